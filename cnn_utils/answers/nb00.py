"""Exercises of notebook 00, Start here."""

from ..exercises import register

register(
    "00.1", "number",
    # rows x columns x one value per colour channel (red, green, blue)
    expected=lambda: 256 * 256 * len(("red", "green", "blue")),
    hints=("Every pixel stores more than one number. How many?",
           "Count the pixels (rows times columns), then multiply by the values each one keeps."),
    compare_size=True,
)
