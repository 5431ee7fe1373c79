"""Exercises of notebook 07, Building and training a CNN."""

import functools

import numpy as np

from ..exercises import register


@functools.cache
def _trained_model():
    # The lecture's model with the shipped weights, as the notebook loads them.
    from ..nn import load_trained_model

    return load_trained_model()


def _params_5x5():
    from ..nn import Conv2D

    return Conv2D(16, (5, 5)).build((13, 13, 32), seed=0).count_params()


def _shape_after_pool():
    from ..nn import Conv2D, MaxPooling2D, Sequential

    model = Sequential([Conv2D(32, (5, 5), input_shape=(28, 28, 1)), MaxPooling2D((2, 2))])
    return model.output_shape[1:]


def _hardest_digit():
    # The true digit with the fewest test examples on the confusion matrix's diagonal.
    from ..datasets import load_mnist

    _, (x_test, y_test) = load_mnist()
    predicted = _trained_model().predict(x_test).argmax(axis=1)
    correct_per_digit = np.bincount(y_test[predicted == y_test], minlength=10)
    return int(np.argmin(correct_per_digit))


def _overfits_more():
    # A: with augmentation, B: without; the larger gap between training and test accuracy.
    from ..nn import load_training_record

    record = load_training_record()
    without = record["comparison_without_augmentation"]
    gap_with = record["final_train_accuracy"] - record["test_accuracy"]
    gap_without = without["final_train_accuracy"] - without["test_accuracy"]
    return "B" if gap_without > gap_with else "A"


register(
    "07.1", "number", expected=_params_5x5, compare_size=True,
    hints=("Count one filter first: how many weights does it have, and how many biases?",
           "Each filter spans all 32 input channels with a 5 x 5 window and has one bias; "
           "then multiply by the number of filters."),
)
register(
    "07.2", "array", expected=_shape_after_pool,
    hints=("Do the convolution first, then the pooling; which layer sets the channels?",
           "The convolution gives n - f + 1 rows and columns and one channel per filter; "
           "the 2 x 2 pooling halves rows and columns, rounding down, and keeps the channels."),
)
register(
    "07.3", "label", expected=_hardest_digit,
    hints=("Look along the diagonal of the confusion matrix: what does each entry there count?",
           "Each diagonal entry counts the test examples of one digit that were predicted "
           "correctly; the hardest digit is the row whose diagonal entry is smallest."),
)
register(
    "07.4", "choice", expected=_overfits_more, choices="AB",
    hints=("Overfitting is a gap: compare training accuracy with test accuracy, for each run.",
           "Subtract the test accuracy from the final training accuracy for each run; the "
           "run with the larger difference overfits more."),
)
