"""The NumPy engine: networks, backprop, training and data, with no web imports."""
