"""``python -m microsr_bench.cli``: the ``microsr-bench`` command (also what ``torchrun -m microsr_bench.cli`` runs)."""

import sys

from microsr_bench.cli import main

sys.exit(main())
