"""A row table that renders only the lines on screen (Textual's Line API).

The built-in DataTable measures every cell of every row when rows are added, which costs
about a second per 3,000 rows on a slow machine. This table has fixed column widths, so
setting 100,000 rows is a list assignment and a frame renders only the visible lines.
Keyboard: up/down, page up/down, home/end, enter; the mouse selects and scrolls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


class VirtualTable(ScrollView, can_focus=True):
    """Rows of cells under a one-line header, with a row cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,ctrl+home", "jump(0)", "First row", show=False),
        Binding("end,ctrl+end", "jump(-1)", "Last row", show=False),
        Binding("enter", "select", "Select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--even-row",
    }
    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .virtual-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .virtual-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .virtual-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class _RowMessage(Message):
        table: VirtualTable
        cursor_row: int
        row_key: str

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to a row."""

    class RowSelected(_RowMessage):
        """A row was chosen (enter or click)."""

    def __init__(self, columns: Sequence[tuple[str, str, int]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = [Column(key, label, width) for key, label, width in columns]
        self._column_index = {column.key: index for index, column in enumerate(self.columns)}
        self._rows: list[list[Cell]] = []
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._line_cache: dict[tuple[int, bool, int], Strip] = {}
        self._width = 1 + sum(column.width + 2 for column in self.columns)

    # -- data -------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Cell]]], cursor_key: str | None = None) -> None:
        """Replace every row: (key, cells) pairs. The cursor goes to ``cursor_key`` or the first row."""
        self._rows = [list(cells) for _key, cells in rows]
        self._keys = [key for key, _cells in rows]
        self._index = {key: index for index, key in enumerate(self._keys)}
        self._line_cache.clear()
        self.virtual_size = Size(self._width, len(self._rows) + 1)
        row = self._index.get(cursor_key, 0) if cursor_key is not None else 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()
        self.move_cursor(row)

    def clear(self) -> None:
        self.set_rows([])

    def get_column(self, key: str) -> list[Cell]:
        index = self._column_index[key]
        return [row[index] for row in self._rows]

    def update_cell(self, row_key: str, column_key: str, value: Cell) -> None:
        row = self._index[row_key]
        self._rows[row][self._column_index[column_key]] = value
        self._line_cache = {k: v for k, v in self._line_cache.items() if k[0] != row}
        self.refresh()

    def key_at(self, row: int) -> str | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    # -- cursor -----------------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        if not self._rows:
            self.cursor_row = 0
            return
        self.cursor_row = max(0, min(row, len(self._rows) - 1))

    def watch_cursor_row(self, row: int) -> None:
        self._line_cache.clear()
        self.refresh()
        if not self._rows:
            return
        visible = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)
        self.post_message(self.RowHighlighted(self, row, self._keys[row]))

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self._rows) - 1)

    def action_select(self) -> None:
        if self._rows:
            self.post_message(self.RowSelected(self, self.cursor_row, self._keys[self.cursor_row]))

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y >= 1:
            row = round(self.scroll_y) + y - 1
            if 0 <= row < len(self._rows):
                if row == self.cursor_row and event.chain >= 2:
                    self.action_select()
                self.move_cursor(row)

    # -- rendering --------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        self._line_cache.clear()
        super().notify_style_update()

    def _render_cells(self, cells: Sequence[Cell], style: Style, console: Console) -> list[Segment]:
        line = Text(" ", style=style, end="")
        for column, cell in zip(self.columns, cells, strict=False):
            text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
            text.truncate(column.width, overflow="ellipsis", pad=True)
            line.append(" ")
            line.append_text(text)
            line.append(" ")
        return list(line.render(console))

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            row, key = -1, (-1, False, 0)
        else:
            row = scroll_y + y - 1
            key = (row, row == self.cursor_row, int(self.has_focus))
        strip = self._line_cache.get(key)
        if strip is None:
            console = self.app.console
            if row == -1:
                style = base + self.get_component_rich_style("virtual-table--header")
                segments = self._render_cells([c.label for c in self.columns], style, console)
            elif row >= len(self._rows):
                segments = [Segment(" " * self._width, base)]
                style = base
            else:
                style = base
                if row % 2:
                    style += self.get_component_rich_style("virtual-table--even-row")
                if row == self.cursor_row:
                    style += self.get_component_rich_style("virtual-table--cursor")
                segments = self._render_cells(self._rows[row], style, console)
            strip = Strip(segments).extend_cell_length(self._width, style).apply_style(style)
            if len(self._line_cache) > 2000:
                self._line_cache.clear()
            self._line_cache[key] = strip
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def on_focus(self) -> None:
        self._line_cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._line_cache.clear()
        self.refresh()
