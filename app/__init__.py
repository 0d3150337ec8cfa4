"""Backprop Playground: watch a neural network learn, backprop numbers included."""
