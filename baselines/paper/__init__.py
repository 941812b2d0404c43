"""The paper's grid: the reference baselines run over the protocols, then its tables and few-shot plots."""
