"""Scoring: the prediction folder format, its validation, the scorer, and result records."""

from microsr_bench.scoring.compare import PairedDifference, compare_files, compare_records
from microsr_bench.scoring.format import FORMAT_VERSION, read_prediction
from microsr_bench.scoring.record import load_schema, read_result, validate_record, validate_result_set
from microsr_bench.scoring.score import MethodInfo, ProtocolInfo, ScoreResult, score_predictions
from microsr_bench.scoring.writer import predict_test_split, write_model_predictions, write_predictions

__all__ = [
    "FORMAT_VERSION",
    "MethodInfo",
    "PairedDifference",
    "ProtocolInfo",
    "ScoreResult",
    "compare_files",
    "compare_records",
    "load_schema",
    "predict_test_split",
    "read_prediction",
    "read_result",
    "score_predictions",
    "validate_record",
    "validate_result_set",
    "write_model_predictions",
    "write_predictions",
]
