"""Backprop Playground: watch a neural network learn, backprop numbers included."""

import os

# The matrices here are tiny: one BLAS thread is several times faster and far steadier than
# many (see shared/PERFORMANCE.md). Must be set before NumPy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
