"""Training monitor: live loss and accuracy curves while a model trains.

:class:`TrainingMonitor` is a callback for ``Sequential.fit`` (see
:mod:`cnn_utils.nn.callbacks`). It records what ``fit`` reports (the running
loss and accuracy after each batch, the epoch's scores and the validation
scores after each epoch) and, when it is on screen, redraws two small
charts (loss, accuracy) and a status line. Redrawing is throttled: at most
every ``update_every`` batches and ``min_seconds`` seconds, and always at the
end of an epoch, so the notebook stays responsive and training is barely
slowed down.

The charts are hand-written SVG: one update takes about a millisecond
(a matplotlib figure encoded as PNG takes tens of milliseconds), the lines
stay sharp on a projector, and the numbers are in the markup as tooltips.

Without a display the monitor is a plain object: call its hooks with logs
(as the tests do) and read :meth:`TrainingMonitor.snapshot` or
:meth:`TrainingMonitor.static_html`. The drawing is the pure function
:func:`monitor_view` of a :class:`MonitorState`.
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .._checks import check_float, check_int
from ..nn.callbacks import Callback
from ..presentation import theme
from . import _render
from ._base import Explorer, view_html

_NAN = float("nan")
MAX_POINTS = 600  # batch points drawn per curve; longer runs are thinned evenly


def _number(value) -> float:
    """A log value as a float (``nan`` for missing or non-numeric)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return _NAN
    return out


@dataclass(frozen=True)
class MonitorState:
    """A snapshot of a training run, as plain tuples.

    ``batch_x`` is the number of batches seen (counting from 1 over the
    whole run) at each recorded batch, with ``batch_loss`` and
    ``batch_accuracy`` the running means ``fit`` reported there;
    ``epoch_x`` the batches seen at each epoch's end, with that epoch's
    ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` (``nan`` when
    absent). ``steps`` (batches per epoch) and ``epochs`` (planned) come
    from ``fit``'s params when known. ``epoch`` and ``batch`` say where
    training is (0-based, -1 before it starts); ``status`` is
    ``"waiting"``, ``"training"`` or ``"done"``.
    """

    batch_x: tuple = ()
    batch_loss: tuple = ()
    batch_accuracy: tuple = ()
    epoch_x: tuple = ()
    loss: tuple = ()
    accuracy: tuple = ()
    val_loss: tuple = ()
    val_accuracy: tuple = ()
    steps: int | None = None
    epochs: int | None = None
    epoch: int = -1
    batch: int = -1
    status: str = "waiting"

    def __post_init__(self):
        if self.status not in ("waiting", "training", "done"):
            raise ValueError(f"status must be 'waiting', 'training' or 'done'; got {self.status!r}")
        n_batch = len(self.batch_x)
        for name in ("batch_loss", "batch_accuracy"):
            if len(getattr(self, name)) != n_batch:
                raise ValueError(
                    f"{name} has {len(getattr(self, name))} values but batch_x has {n_batch}"
                )
        n_epoch = len(self.epoch_x)
        for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
            if len(getattr(self, name)) != n_epoch:
                raise ValueError(
                    f"{name} has {len(getattr(self, name))} values but epoch_x has {n_epoch}"
                )
        for name in ("steps", "epochs"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
            ):
                raise ValueError(f"{name} must be a positive int or None, got {value!r}")

    @classmethod
    def from_history(cls, history: dict, steps: int | None = None) -> MonitorState:
        """A finished run from epoch logs ``{"loss": [...], "val_loss": [...], ...}``.

        ``history`` is Keras' (and ``fit``'s) ``History.history``.
        """
        if not isinstance(history, dict) or "loss" not in history:
            raise ValueError("history must be a dict with at least a 'loss' list")
        n = len(history["loss"])
        per = steps or 1

        def column(key):
            values = history.get(key)
            if values is None:
                return (_NAN,) * n
            if len(values) != n:
                raise ValueError(f"history[{key!r}] has {len(values)} values, 'loss' has {n}")
            return tuple(_number(v) for v in values)

        return cls(
            epoch_x=tuple(per * (e + 1) for e in range(n)),
            loss=column("loss"),
            accuracy=column("accuracy"),
            val_loss=column("val_loss"),
            val_accuracy=column("val_accuracy"),
            steps=per,
            epochs=n or None,
            epoch=n - 1,
            status="done" if n else "waiting",
        )


@dataclass(frozen=True)
class Panel:
    """How one chart maps data to pixels (so a test can read the curves back)."""

    title: str
    x_max: float
    y_min: float
    y_max: float
    left: float
    top: float
    width: float
    height: float
    curves: dict = field(default_factory=dict)  # name -> ((x, y), ...) in data units

    def to_pixels(self, x: float, y: float) -> tuple[float, float]:
        px = self.left + self.width * x / self.x_max
        py = self.top + self.height * (1 - (y - self.y_min) / (self.y_max - self.y_min))
        return px, py

    def to_data(self, px: float, py: float) -> tuple[float, float]:
        x = (px - self.left) / self.width * self.x_max
        y = self.y_min + (1 - (py - self.top) / self.height) * (self.y_max - self.y_min)
        return x, y


@dataclass(frozen=True)
class MonitorView:
    """What the monitor shows: the status line, the charts and the numbers behind them.

    ``x_unit`` is ``"epoch"`` when the batches per epoch are known (then
    the batch points sit at fractions of an epoch) else ``"batch"``.
    ``panels`` maps ``"loss"`` and ``"accuracy"`` to :class:`Panel`.
    """

    text: str
    svg: str
    html: str
    x_unit: str
    panels: dict


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power  # pragma: no cover


def _tick_values(low: float, high: float, step: float, most: int = 20) -> list[float]:
    """Multiples of ``step`` in ``[low, high]``; just the two ends when there would be
    more than ``most`` (a nearly flat curve at a large value makes the step smaller than
    the floats can resolve, and counting ticks one by one would never finish)."""
    if not (step > 0 and math.isfinite(low) and math.isfinite(high)):
        return [low, high]
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    if not 0 <= last - first <= most:
        return [low, high]
    return [k * step for k in range(first, last + 1)]


def _fmt(value: float, digits: int = 4) -> str:
    return "n/a" if not math.isfinite(value) else _render.format_number(value, digits, trim=False)


def _status_text(s: MonitorState) -> str:
    if s.status == "waiting":
        return "waiting for training to start (pass this monitor to fit(..., callbacks=[...]))"
    epochs = f"/{s.epochs}" if s.epochs else ""
    if s.status == "done" or (s.epoch_x and s.batch == -1):
        parts = [
            f"epoch {len(s.epoch_x)}{epochs} done"
            if s.status != "done"
            else f"training finished after {len(s.epoch_x)} epoch{'s' * (len(s.epoch_x) != 1)}"
        ]
        if s.epoch_x:
            for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
                value = getattr(s, name)[-1]
                if math.isfinite(value):
                    parts.append(f"{name} {_fmt(value)}")
        return " · ".join(parts)
    steps = f"/{s.steps}" if s.steps else ""
    parts = [f"epoch {s.epoch + 1}{epochs}", f"batch {s.batch + 1}{steps}"]
    if s.batch_x:
        parts.append(f"loss {_fmt(s.batch_loss[-1])}")
        if math.isfinite(s.batch_accuracy[-1]):
            parts.append(f"accuracy {_fmt(s.batch_accuracy[-1])}")
    return " · ".join(parts)


def _thin(xs, ys, limit=MAX_POINTS):
    n = len(xs)
    if n <= limit:
        return list(zip(xs, ys, strict=True))
    keep = np.unique(np.linspace(0, n - 1, limit).round().astype(int))
    return [(xs[k], ys[k]) for k in keep]


def _panel_svg(panel: Panel, unit: str, styles: dict, t) -> str:
    fs = max(t.font_px - 2, 10)
    parts = []
    x0, y0, w, h = panel.left, panel.top, panel.width, panel.height
    parts.append(
        f'<text x="{x0 + w / 2:.1f}" y="{y0 - 10:.1f}" text-anchor="middle" '
        f'font-weight="bold" font-size="{t.font_px}">{html.escape(panel.title)}</text>'
    )
    # y grid and ticks
    step = _nice_step(panel.y_max - panel.y_min, 4)
    for value in _tick_values(panel.y_min, panel.y_max, step):
        _, py = panel.to_pixels(0, value)
        parts.append(
            f'<line x1="{x0:.1f}" y1="{py:.1f}" x2="{x0 + w:.1f}" y2="{py:.1f}" '
            f'stroke="{t.grid}" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{x0 - 6:.1f}" y="{py + fs / 3:.1f}" text-anchor="end" '
            f'font-size="{fs}">{_render.format_number(value, 2)}</text>'
        )
    # x ticks
    xstep = max(1.0, _nice_step(panel.x_max, 6)) if unit == "epoch" else _nice_step(panel.x_max, 5)
    for xvalue in _tick_values(0.0, panel.x_max, xstep):
        px, _ = panel.to_pixels(xvalue, panel.y_min)
        parts.append(
            f'<line x1="{px:.1f}" y1="{y0 + h:.1f}" x2="{px:.1f}" y2="{y0 + h + 4:.1f}" '
            f'stroke="{t.text}"/>'
        )
        parts.append(
            f'<text x="{px:.1f}" y="{y0 + h + 6 + fs:.1f}" text-anchor="middle" '
            f'font-size="{fs}">{_render.format_number(xvalue, 2)}</text>'
        )
    parts.append(
        f'<text x="{x0 + w / 2:.1f}" y="{y0 + h + 12 + 2 * fs:.1f}" text-anchor="middle" '
        f'font-size="{fs}">{"epochs" if unit == "epoch" else "batches"}</text>'
    )
    parts.append(
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
        f'stroke="{t.text}" stroke-width="1"/>'
    )
    # curves
    for name, points in panel.curves.items():
        style = styles[name]
        finite = [(x, y) for x, y in points if math.isfinite(y)]
        if not finite:
            continue
        coords = " ".join("{:.1f},{:.1f}".format(*panel.to_pixels(x, y)) for x, y in finite)
        dash = ' stroke-dasharray="6 4"' if style.get("dash") else ""
        parts.append(
            f'<polyline data-curve="{name}" points="{coords}" fill="none" '
            f'stroke="{style["colour"]}" stroke-width="{style["width"]:.1f}" '
            f'stroke-opacity="{style.get("opacity", 1)}"{dash}/>'
        )
        if style.get("markers"):
            for x, y in finite:
                px, py = panel.to_pixels(x, y)
                parts.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{style["width"] + 2:.1f}" '
                    f'fill="{style["colour"]}"><title>{name} after epoch '
                    f"{_render.format_number(x, 2)}: {_fmt(y)}</title></circle>"
                )
    return "".join(parts)


def monitor_view(state: MonitorState) -> MonitorView:
    """Draw a snapshot: status line plus loss and accuracy charts (SVG).

    Examples
    --------
    >>> s = MonitorState.from_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
    >>> view = monitor_view(s)
    >>> view.panels["loss"].curves["val_loss"]
    ((1.0, 1.0), (2.0, 0.7))
    >>> view.text
    'training finished after 2 epochs · loss 0.5000 · val_loss 0.7000'
    """
    if not isinstance(state, MonitorState):
        raise TypeError(f"monitor_view takes a MonitorState, got {type(state).__name__}")
    t = theme()
    s = state
    per = s.steps
    if per is None and s.epoch_x:
        per = s.epoch_x[0]  # the first epoch's batch count
    unit = "epoch" if per else "batch"
    scale = (1.0 / per) if per else 1.0
    bx = [x * scale for x in s.batch_x]
    ex = [x * scale for x in s.epoch_x]
    seen = max(bx[-1] if bx else 0.0, ex[-1] if ex else 0.0)
    if unit == "epoch":
        x_max = float(max(s.epochs or 1, math.ceil(seen - 1e-9), 1))
    else:
        x_max = float(max(seen, 1.0))

    fig = t.figure_scale
    pw, ph = 300 * fig, 170 * fig
    ml, mt, gap = 56 * fig, 34 * fig, 70 * fig
    legend_h = 30 * fig
    panels = {}
    loss_values = [v for v in (*s.batch_loss, *s.loss, *s.val_loss) if math.isfinite(v)]
    top_loss = max(loss_values) if loss_values else 1.0
    top_loss = top_loss * 1.05 if top_loss > 0 else 1.0
    low_loss = min([0.0, *loss_values]) * 1.05  # a loss is >= 0; a custom one need not be
    specs = (
        ("loss", "loss", low_loss, top_loss, "batch_loss", "loss", "val_loss"),
        ("accuracy", "accuracy", 0.0, 1.0, "batch_accuracy", "accuracy", "val_accuracy"),
    )
    for k, (key, title, lo, hi, batch_key, train_key, val_key) in enumerate(specs):
        curves = {
            batch_key: tuple(_thin(bx, getattr(s, batch_key))),
            train_key: tuple(zip(ex, getattr(s, train_key), strict=True)),
            val_key: tuple(zip(ex, getattr(s, val_key), strict=True)),
        }
        panels[key] = Panel(
            title=title,
            x_max=x_max,
            y_min=lo,
            y_max=hi,
            left=ml + k * (pw + gap),
            top=mt,
            width=pw,
            height=ph,
            curves=curves,
        )
    lw = 2.0 * fig
    styles = {}
    for train_key, val_key, batch_name in (
        ("loss", "val_loss", "batch_loss"),
        ("accuracy", "val_accuracy", "batch_accuracy"),
    ):
        styles[batch_name] = {"colour": t.negative, "width": lw * 0.6, "opacity": 0.45}
        styles[train_key] = {"colour": t.negative, "width": lw, "markers": True}
        styles[val_key] = {"colour": t.positive, "width": lw, "markers": True, "dash": True}
    total_w = ml + 2 * pw + gap + 20 * fig
    total_h = mt + ph + 40 * fig + legend_h + 10 * fig
    fs = max(t.font_px - 2, 10)
    legend_y = mt + ph + 46 * fig + fs
    legend = []
    entries = (
        ("train, running mean in the epoch", styles["batch_loss"]),
        ("train, epoch mean", styles["loss"]),
        ("validation", styles["val_loss"]),
    )
    lx = ml
    for label, style in entries:
        dash = ' stroke-dasharray="6 4"' if style.get("dash") else ""
        legend.append(
            f'<line x1="{lx:.1f}" y1="{legend_y - fs / 3:.1f}" x2="{lx + 24 * fig:.1f}" '
            f'y2="{legend_y - fs / 3:.1f}" stroke="{style["colour"]}" '
            f'stroke-width="{style["width"]:.1f}" stroke-opacity="{style.get("opacity", 1)}"'
            f"{dash}/>"
        )
        legend.append(
            f'<text x="{lx + 30 * fig:.1f}" y="{legend_y:.1f}" font-size="{fs}">'
            f"{html.escape(label)}</text>"
        )
        lx += 50 * fig + 0.62 * fs * len(label)  # about 0.6 em per character
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {total_w:.1f} {total_h:.1f}" font-family="sans-serif" fill="{t.text}" '
        f'style="max-width:100%;height:auto;" role="img" aria-label="loss and accuracy curves">'
        + "".join(_panel_svg(panels[key], unit, styles, t) for key in ("loss", "accuracy"))
        + "".join(legend)
        + "</svg>"
    )
    text = _status_text(s)
    page = (
        f'<div style="color:{t.text};line-height:1.3;">'
        f'<div class="cnn-monitor-status" style="font-size:{t.font_px}px;font-family:monospace;'
        'margin-bottom:6px;">'
        f"{html.escape(text)}</div>{svg}</div>"
    )
    return MonitorView(text=text, svg=svg, html=page, x_unit=unit, panels=panels)


# ----------------------------------------------------------------------------- the callback
class _StaticPicture:
    """A displayable HTML picture (what :meth:`TrainingMonitor.summary` returns)."""

    def __init__(self, page: str, text: str):
        self.html, self.text = page, text

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        return self.text


class TrainingMonitor(Explorer, Callback):
    """A ``fit`` callback that draws live loss and accuracy curves.

    Its ``state`` is the run so far (a :class:`MonitorState`), its ``view``
    the picture of it; it has no controls (``controls`` is empty). The hooks
    record what ``fit`` reports; ``update(**changes)`` replaces fields of the
    state as for every explorer.

    Parameters
    ----------
    update_every : int, optional
        Redraw at most every this many batches (default: about 20 redraws
        an epoch when ``fit`` says how many batches an epoch has, else 10).
        The end of each epoch always redraws.
    min_seconds : float, default 0.2
        ... and at most this often (seconds) during an epoch.

    Examples
    --------
    >>> monitor = TrainingMonitor()
    >>> monitor.on_train_begin({})
    >>> monitor.on_epoch_begin(0, {})
    >>> monitor.on_batch_end(0, {"loss": 2.1, "accuracy": 0.2})
    >>> monitor.on_epoch_end(0, {"loss": 1.5, "accuracy": 0.5, "val_loss": 1.2})
    >>> monitor.on_train_end({})
    >>> monitor.state.val_loss
    (1.2,)
    """

    title = "Training monitor"
    view_function = staticmethod(monitor_view)

    def __init__(self, update_every: int | None = None, min_seconds: float = 0.2):
        if update_every is not None:
            update_every = check_int(update_every, "update_every", 1)
        min_seconds = check_float(min_seconds, "min_seconds", minimum=0.0)
        Callback.__init__(self)
        Explorer.__init__(self, MonitorState())
        self.update_every = None if update_every is None else int(update_every)
        self.min_seconds = float(min_seconds)
        self.redraws = 0
        self._load(self._state)
        self._last_draw_batch, self._last_draw_time = 0, -math.inf

    def _load(self, s: MonitorState) -> None:
        """Make the recording lists hold ``s`` (the hooks append to them)."""
        self._batch_x, self._batch_loss = list(s.batch_x), list(s.batch_loss)
        self._batch_accuracy, self._epoch_x = list(s.batch_accuracy), list(s.epoch_x)
        self._epoch = {
            key: list(getattr(s, key)) for key in ("loss", "accuracy", "val_loss", "val_accuracy")
        }
        self._epoch_index, self._batch_index, self._status = s.epoch, s.batch, s.status
        known = {"steps": s.steps, "epochs": s.epochs}
        self.params = {**self.params, **{k: v for k, v in known.items() if v is not None}}

    # --- the contract: state and view follow the recording ----------------------------
    @property
    def state(self) -> MonitorState:
        """The run so far as a frozen :class:`MonitorState`."""
        epochs = self.params.get("epochs")
        return MonitorState(
            batch_x=tuple(self._batch_x),
            batch_loss=tuple(self._batch_loss),
            batch_accuracy=tuple(self._batch_accuracy),
            epoch_x=tuple(self._epoch_x),
            loss=tuple(self._epoch["loss"]),
            accuracy=tuple(self._epoch["accuracy"]),
            val_loss=tuple(self._epoch["val_loss"]),
            val_accuracy=tuple(self._epoch["val_accuracy"]),
            steps=self._steps(),
            epochs=epochs if isinstance(epochs, int) and epochs > 0 else None,
            epoch=self._epoch_index,
            batch=self._batch_index,
            status=self._status,
        )

    @property
    def view(self) -> MonitorView:
        """The picture of the run so far (recomputed when the run moved on)."""
        state = self.state
        if state != self._state:
            self._state, self._view = state, monitor_view(state)
        return self._view

    def snapshot(self) -> MonitorState:
        """The run so far (the same as ``state``)."""
        return self.state

    def _settle(self, state: MonitorState) -> MonitorState:
        self._load(state)
        return state

    def _build(self):
        import ipywidgets as widgets

        return widgets.VBox([]), view_html()

    def _show(self) -> None:
        self._view_widget.value = self.view.html  # the run may have moved on since the last draw
        self.redraws += 1

    # --- Keras-style hooks ------------------------------------------------------------
    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = dict(params or {})

    def on_train_begin(self, logs=None):
        self._load(MonitorState(status="training"))
        self._draw()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_index, self._batch_index, self._status = int(epoch), -1, "training"

    def on_batch_begin(self, batch, logs=None):
        """Nothing to record before a batch."""

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self._status, self._batch_index = "training", int(batch)
        self._batch_x.append(len(self._batch_x) + 1)
        self._batch_loss.append(_number(logs.get("loss")))
        self._batch_accuracy.append(_number(logs.get("accuracy")))
        every = self.update_every or (max(1, self._steps() // 20) if self._steps() else 10)
        if len(self._batch_x) - self._last_draw_batch >= every:
            now = time.perf_counter()
            if now - self._last_draw_time >= self.min_seconds:
                self._draw(now)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self._epoch_index, self._batch_index = int(epoch), -1
        self._epoch_x.append(len(self._batch_x))
        for key, values in self._epoch.items():
            values.append(_number(logs.get(key)))
        self._draw()

    def on_train_end(self, logs=None):
        self._status = "done"
        self._draw()

    def _steps(self) -> int | None:
        steps = self.params.get("steps")
        return steps if isinstance(steps, int) and steps > 0 else None

    def _draw(self, now: float | None = None):
        self._last_draw_batch = len(self._batch_x)
        self._last_draw_time = time.perf_counter() if now is None else now
        if self._widget is not None:  # on screen: redraw; otherwise record only
            _ = self.view
            self._push()

    def static_html(self) -> str:
        return self.view.html

    def summary(self) -> _StaticPicture:
        """The curves as they are now, as a picture a notebook cell displays.

        End a cell after ``fit`` with ``monitor.summary()`` so that an HTML
        export (or a notebook opened without a kernel) shows the final curves.
        """
        view = self.view
        return _StaticPicture(view.html, view.text)


def training_monitor(update_every: int | None = None, min_seconds: float = 0.2):
    """A training monitor, ready to display and to pass to ``fit(callbacks=[...])``.

    Parameters
    ----------
    update_every : int, optional
        Redraw at most every this many batches (at least 1).
    min_seconds : float, default 0.2
        ... and at most this often (seconds, at least 0).

    Raises
    ------
    ValueError
        Either argument out of range or of the wrong type.

    Examples
    --------
    >>> monitor = training_monitor()
    >>> monitor.view.text.startswith("waiting")
    True
    """
    return TrainingMonitor(update_every=update_every, min_seconds=min_seconds)
