"""A config turned into engine objects: the data as made and as the network sees it, the
optimizer, the penalty and a trainer with fresh weights. Same config, same objects."""

import dataclasses

import numpy as np

from app.config import SessionConfig
from app.engine.activations import get_activation
from app.engine.csvdata import Table, csv_dataset
from app.engine.datasets import Dataset, make_dataset
from app.engine.features import Inputs, fit_inputs
from app.engine.losses import get_loss
from app.engine.network import Network
from app.engine.optimizers import Optimizer, make_optimizer
from app.engine.regularization import Regularizer
from app.engine.schedules import Schedule
from app.engine.trainer import Trainer
from app.errors import Refused


def build_raw_dataset(config: SessionConfig, upload: Table | None) -> Dataset:
    """The examples as made (points in the plane's own coordinates), before features and scaling.
    An uploaded table is drawn as a table whatever its width: its units are its own."""
    data = config.data
    rng = np.random.default_rng(data.seed)
    if data.dataset == "csv":
        if upload is None:
            raise Refused("no_table", "upload a CSV file first", field="data.dataset")
        return dataclasses.replace(csv_dataset(upload, data.test_ratio, rng), input_kind="table")
    return make_dataset(data.dataset, data.n_samples, data.noise, data.test_ratio, rng,
                        classes=data.classes)


def build_inputs(config: SessionConfig, raw: Dataset) -> tuple[Inputs, Dataset]:
    """The network's inputs: chosen features for points of the plane, then scaling."""
    features = config.data.features if raw.input_kind == "plane" else None
    inputs = fit_inputs(raw.x_train, features, config.data.scaling)
    names = raw.feature_names if features is None else tuple(features)
    data = dataclasses.replace(raw, x_train=inputs(raw.x_train), x_test=inputs(raw.x_test),
                               feature_names=names)
    if raw.input_kind == "table" and raw.task == "regression":
        data = standardized_targets(data)
    return inputs, data


def standardized_targets(data: Dataset) -> Dataset:
    """A table's target comes in its own units (rents in the thousands), which would need a
    learning rate of another order than the playground's; the network learns it standardized
    on the training set, and its answers are turned back into the table's units where shown."""
    offset, scale = float(data.y_train.mean()), float(data.y_train.std())
    scale = scale if scale > 0 else 1.0
    return dataclasses.replace(data, y_train=(data.y_train - offset) / scale,
                               y_test=(data.y_test - offset) / scale, target_unit=(offset, scale))


def build_optimizer(config: SessionConfig) -> Optimizer:
    t = config.training
    schedule = Schedule(t.decay, t.decay_rate, t.decay_steps)
    settings = {"sgd": {}, "momentum": {"beta": t.momentum}, "nesterov": {"beta": t.momentum},
                "rmsprop": {"rho": t.rho, "eps": t.epsilon},
                "adam": {"beta1": t.beta1, "beta2": t.beta2, "eps": t.epsilon}}[t.optimizer]
    return make_optimizer(t.optimizer, learning_rate=t.learning_rate, schedule=schedule, **settings)


def build_regularizer(config: SessionConfig) -> Regularizer:
    return Regularizer(config.training.regularization, config.training.regularization_rate)


def build_trainer(config: SessionConfig, data: Dataset) -> Trainer:
    """Fresh weights and batch order, both drawn from config.seed: same seed, same run."""
    net = config.network
    init_rng, order_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(2))
    sizes = [data.x_train.shape[0], *net.hidden_layers, data.y_train.shape[0]]
    activations = [get_activation(name, net.leaky_slope) for name in net.layer_activations()]
    network = Network(sizes, activations, init_rng, init=net.init)
    return Trainer(network, get_loss(net.loss), build_optimizer(config), data,
                   config.training.batch_size, order_rng, regularizer=build_regularizer(config))
