"""Backprop Playground: watch a neural network learn, backprop numbers included."""

# The server's version: in the API documentation and in every model file it writes.
VERSION = "0.1.0"
