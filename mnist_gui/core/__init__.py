"""Qt-free core: data, models, training, checkpoints, preprocessing, prediction."""
