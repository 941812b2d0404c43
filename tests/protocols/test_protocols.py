"""Each protocol hands fit exactly what it allows and scores the right test split."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from microsr_bench.cli import main
from microsr_bench.data import load_benchmark
from microsr_bench.data.manifest import image_sha256
from microsr_bench.errors import InvalidArgumentError, UnknownNameError
from microsr_bench.protocols import blind_synthetic, burst, make_protocol, paired, zero_shot
from microsr_bench.protocols.data import burst_inputs
from microsr_bench.protocols.protocols import protocol_id
from microsr_bench.scoring import validate_record


def test_paired_trains_on_the_shots_and_never_sees_test(recorder, run, cache):
    result = run(recorder, paired("NUC", 800))
    (call,) = recorder.fit_calls
    bench = load_benchmark("NUC", shots=800, source="simulated", size="tiny", cache_dir=cache)
    assert call["train_ids"] == bench["train"]["id"] and len(call["train_ids"]) == 4  # 800 of 3600 -> 4 of 16
    assert call["validation_ids"] == bench["validation"]["id"]
    assert not set(call["train_ids"] + call["validation_ids"]) & set(bench["test"]["id"])
    record = result.records[0]
    validate_record(record)
    assert (record["protocol"]["name"], record["shots"], record["dataset"]["name"]) == ("paired", 800, "NUC")
    assert record["n_images"] == len(bench["test"])


def test_zero_shot_trains_on_the_source_and_scores_the_target(recorder, run, cache):
    result = run(recorder, zero_shot("MEM", source="MITO"))
    (call,) = recorder.fit_calls
    assert {i.split("/")[0] for i in call["train_ids"] + call["validation_ids"]} == {"MITO"}
    record = result.records[0]
    validate_record(record)
    assert record["dataset"]["name"] == "MEM" and record["protocol"]["parameters"]["source"] == "MITO"
    assert record["protocol"]["parameters"]["id"] == "zero_shot(source=MITO)"


def test_zero_shot_does_not_train_on_the_target(run):
    class Counting:
        name = "counting"

        def __init__(self):
            self.fits = []

        def fit(self, train, validation):
            self.fits.append({i.split("/")[0] for i in train["id"]})

        def __call__(self, lr):
            import torch.nn.functional as F

            return F.interpolate(lr, scale_factor=2, mode="nearest")

    method = Counting()
    run(method, zero_shot("NUC"))
    assert method.fits == [{"MITO"}]  # one fit, on the source only; the target is only predicted


def test_blind_synthetic_never_sees_a_real_training_lr_frame(recorder, run, cache):
    result = run(recorder, blind_synthetic("MITO", "realesrgan"))
    (call,) = recorder.fit_calls
    bench = load_benchmark("MITO", source="simulated", size="tiny", cache_dir=cache)
    real_digests = {d for e in bench.prepared["MITO"].manifest.fields("train") for d in e.frame_sha256}
    assert not {image_sha256(lr) for lr in call["train_lr"]} & real_digests
    assert all("/s" in i for i in call["train_ids"])  # synthetic ids never collide with real frame ids
    train_fields = set(bench.prepared["MITO"].manifest.hr_ids("train"))
    assert {i.split("/")[1] for i in call["train_ids"]} == train_fields  # HR images of the training split
    assert call["validation_ids"] == bench["validation"]["id"]  # validated on real LR
    assert call["train_info"].source_details["MITO"]["synthetic_lr"] == "realesrgan"
    validate_record(result.records[0])


def test_burst_groups_frames_of_one_field(cache):
    bench = load_benchmark("MEM", source="simulated", size="tiny", cache_dir=cache)
    test = bench["test"]
    for first, indices in burst_inputs(bench, "MEM", 2):
        rows = test.select(indices)
        assert len(set(rows["hr_id"])) == 1, "a burst mixes fields"
        assert list(rows["frame"]) == list(range(rows["frame"][0], rows["frame"][0] + 2))
        assert rows["id"][0] == first
    # tiny: 2 test fields x 4 frames -> 2 non-overlapping bursts of 2 per field; k=4 -> 1 per field.
    assert len(burst_inputs(bench, "MEM", 2)) == 4 and len(burst_inputs(bench, "MEM", 4)) == 2


def test_burst_feeds_k_frames_and_scores_one_image_per_burst(recorder, run):
    result = run(recorder, burst("MEM", 4))
    assert {shape[1] for shape in recorder.seen_shapes} == {4}
    record = result.records[0]
    validate_record(record)
    assert record["n_images"] == 2 and record["protocol"]["parameters"]["k"] == 4


def test_frame_average_gets_k_from_the_protocol(run):
    result = run("frame-average", burst("NUC", 2))
    assert result.records[0]["method"]["name"] == "frame-average-2"


def test_protocol_arguments_are_checked():
    with pytest.raises(InvalidArgumentError, match=r"burst size k must be one of \(1, 2, 4, 8, 16\)"):
        burst("MITO", 3)
    with pytest.raises(InvalidArgumentError, match="shots must be one of"):
        paired("MITO", 100)
    with pytest.raises(InvalidArgumentError, match="degradation must be one of realesrgan, physics, bicubic"):
        blind_synthetic("MITO", "jpeg")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="takes no shots"):
        make_protocol("blind-synthetic", "MITO", shots=200)
    with pytest.raises(UnknownNameError, match="Did you mean 'paired'"):
        make_protocol("pairs", "MITO")
    with pytest.raises(UnknownNameError, match="Unknown dataset"):
        paired("MITOS")


def test_zero_shot_onto_its_own_source_is_the_paired_protocol_and_refused():
    # Issue 10: --protocol zero-shot --from MITO --dataset MITO was accepted; it trains and scores on MITO.
    with pytest.raises(InvalidArgumentError, match=r"source and target are both 'MITO'.*--protocol paired"):
        zero_shot("MITO", source="MITO")
    with pytest.raises(InvalidArgumentError, match="Use the paired protocol"):
        make_protocol("zero-shot", "NUC", source="NUC", shots=200)
    result = CliRunner().invoke(
        main, ["evaluate", "--method", "bicubic", "--protocol", "zero-shot", "--dataset", "MITO"]
    )
    assert result.exit_code == 1 and "Use the paired protocol" in result.output
    assert zero_shot("MPM", source="MITO").id == "zero_shot(source=MITO)"


@pytest.mark.parametrize(
    ("protocol", "option", "value", "owner"),
    [
        ("paired", "--from", "NUC", "zero-shot"),  # issue 10: --from used to default to MITO and be dropped
        ("burst", "--from", "MITO", "zero-shot"),
        ("paired", "--k", "8", "burst"),
        ("zero-shot", "--degradation", "physics", "blind-synthetic"),
        ("blind-synthetic", "--shots", "200", "paired or zero-shot or burst"),
        ("blind-synthetic", "--k", "4", "burst"),
    ],
)
def test_evaluate_refuses_an_option_its_protocol_does_not_take(protocol, option, value, owner, tmp_path):
    # The expected text is the one table both `evaluate` and `score` check (protocols.OPTION_PROTOCOLS).
    args = ["evaluate", "--method", "bicubic", "--protocol", protocol, "--dataset", "NUC", option, value]
    done = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "r"), "--source", "simulated"])
    assert done.exit_code == 2, done.output
    assert f"{option} belongs to --protocol {owner}, not {protocol}" in done.output
    assert f"Drop {option}" in done.output and "Traceback" not in done.output
    assert not (tmp_path / "r").exists(), "refused at parsing: nothing loaded, generated or written"


def test_protocol_options_table_matches_what_each_protocol_takes():
    # Independent of the table: the options each protocol's constructor has a parameter for.
    from microsr_bench.protocols.protocols import OPTION_PROTOCOLS, check_protocol_options

    takes = {"paired": {"--shots", "--fields"}, "zero_shot": {"--shots", "--from"}}
    takes["blind_synthetic"] = {"--degradation"}
    takes["burst"] = {"--shots", "--k"}
    for name, options in takes.items():
        check_protocol_options(name, options)  # every option the protocol takes passes
        for option in set(OPTION_PROTOCOLS) - options:
            with pytest.raises(InvalidArgumentError, match=f"{option} belongs to"):
                check_protocol_options(name, [option])
    check_protocol_options("pairde", ["--k"])  # an unknown name is left to make_protocol's did-you-mean


def test_protocol_ids_are_stable():
    assert [p.id for p in (paired("MITO", 200), zero_shot("NUC"), blind_synthetic(), burst("MEM", 8))] == [
        "paired",
        "zero_shot(source=MITO)",
        "blind_synthetic(degradation=realesrgan)",
        "burst(k=8)",
    ]


def test_records_carry_fit_time_and_runtime(run):
    record = run("bicubic-fit", paired("MITO", 200)).records[0]
    assert record["method"]["parameters"]["fit_seconds"] >= 0
    assert record["runtime"]["device"] == "cpu" and record["runtime"]["seconds_per_image"] > 0
    assert np.isfinite(record["metrics"]["paper"]["psnr"]["mean"])


def test_blind_synthetic_bicubic_trains_on_bicubic_downsampled_hr(recorder, run, cache):
    protocol = blind_synthetic("MITO", "bicubic")
    assert protocol.id == "blind_synthetic(degradation=bicubic)"
    noisy = blind_synthetic("MITO", "bicubic", noise_sigma=0.01)
    assert noisy.id == "blind_synthetic(degradation=bicubic,noise_sigma=0.01)"
    assert protocol_id(noisy.name, noisy.parameters) == noisy.id
    with pytest.raises(InvalidArgumentError, match="noise_sigma applies to the bicubic degradation only"):
        blind_synthetic("MITO", "realesrgan", noise_sigma=0.01)
    result = run(recorder, protocol)
    (call,) = recorder.fit_calls
    assert result.records[0]["protocol"]["parameters"]["noise_sigma"] == 0.0
    bench = load_benchmark("MITO", source="simulated", size="tiny", cache_dir=cache, progress=False)
    scale = bench.benchmark.max_values["MITO"]
    hr_of = {r["hr_id"]: r["hr"] for r in bench.hr_images("train").with_format("numpy")}
    hr_id = sorted(hr_of)[0]
    hr = hr_of[hr_id].astype(np.float32) / scale
    # Pillow's bicubic shrink of the HR image, quantised like the stored synthetic LR: within one count.
    want = np.asarray(Image.fromarray(hr, mode="F").resize((hr.shape[1] // 2, hr.shape[0] // 2), Image.BICUBIC))
    want = np.clip(np.round(np.clip(want, 0, 1) * scale), 0, scale)
    first = next(i for i, frame_id in enumerate(call["train_ids"]) if frame_id.startswith(f"MITO/{hr_id}/"))
    assert np.abs(call["train_lr"][first].astype(np.float64) - want).max() <= 1
