"""Reading a QR code back, as a phone's camera app would, from the SVG a page draws (no decoder is installed).

The image's squares become the module matrix; the matrix must carry the finder, timing and alignment patterns of
its version and the format information of one error-correction level and mask (the `qrcode` library knows where
each goes); the data modules, unmasked and read in the standard's zigzag order, give the codewords, which are
de-interleaved block by block and parsed as numeric, alphanumeric and byte segments. The image is drawn by a program,
so no module is damaged: the error-correction codewords are not needed. Model 2 codes, without Kanji or ECI segments.
"""

import re
from base64 import b64decode
from itertools import product

import qrcode
from qrcode import util
from qrcode.base import rs_blocks

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
SQUARE = re.compile(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z")


def modules_of_svg(svg: str) -> list[list[bool]]:
    """The dark (True) and light modules of a QR code drawn as one path of squares, without the quiet zone."""
    squares = [tuple(map(float, found)) for found in SQUARE.findall(svg)]
    assert squares, "no squares in the image"
    size = squares[0][2] - squares[0][0]
    cells = {(round(y / size), round(x / size)) for x, y, _right, _bottom in squares}
    top, left = min(row for row, _col in cells), min(col for _row, col in cells)
    count = max(col for _row, col in cells) - left + 1
    return [[(row + top, col + left) in cells for col in range(count)] for row in range(count)]


def modules_of_data_address(address: str) -> list[list[bool]]:
    """The modules of a `data:image/svg+xml;base64,...` image."""
    prefix = "data:image/svg+xml;base64,"
    assert address.startswith(prefix), address[:40]
    return modules_of_svg(b64decode(address.removeprefix(prefix)).decode("utf-8"))


def decode(matrix: list[list[bool]]) -> str:
    count = len(matrix)
    version, rest = divmod(count - 17, 4)
    assert rest == 0 and 1 <= version <= 40, f"{count} modules a side is no QR code size"
    error_correction, mask, template = _layout(matrix, version)
    codewords = _codewords(matrix, template, util.mask_func(mask))
    data = _data_codewords(codewords, version, error_correction)
    return _segments(data, version)


def _template(version: int, error_correction: int, mask: int) -> list[list[bool | None]]:
    """The function patterns of a code of this version, level and mask; None where data goes."""
    code = qrcode.QRCode(version=version, error_correction=error_correction)
    code.modules_count = count = version * 4 + 17
    code.modules = [[None] * count for _row in range(count)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(count - 7, 0)
    code.setup_position_probe_pattern(0, count - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(False, mask)
    if version >= 7:
        code.setup_type_number(False)
    return code.modules


def _layout(matrix, version: int):
    """The one level and mask whose function patterns and format information the matrix carries."""
    found = []
    for level, mask in product(range(4), range(8)):
        template = _template(version, level, mask)
        cells = ((row, col, expected) for row, line in enumerate(template) for col, expected in enumerate(line))
        if all(expected is None or expected == matrix[row][col] for row, col, expected in cells):
            found.append((level, mask, template))
    assert len(found) == 1, f"the function patterns match {len(found)} formats"
    return found[0]


def _codewords(matrix, template, masked) -> list[int]:
    bits = []
    count = len(matrix)
    upward = True
    for right in range(count - 1, 0, -2):
        if right <= 6:  # the vertical timing pattern is skipped
            right -= 1
        rows = range(count - 1, -1, -1) if upward else range(count)
        for row in rows:
            for col in (right, right - 1):
                if template[row][col] is None:
                    bits.append(matrix[row][col] != masked(row, col))
        upward = not upward
    return [int("".join("1" if bit else "0" for bit in bits[n : n + 8]), 2) for n in range(0, len(bits) - 7, 8)]


def _data_codewords(codewords: list[int], version: int, error_correction: int) -> list[int]:
    """The data codewords in order: they are interleaved across the blocks, one from each block in turn."""
    blocks = rs_blocks(version, error_correction)
    per_block = [[] for _block in blocks]
    position = 0
    for n in range(max(block.data_count for block in blocks)):
        for index, block in enumerate(blocks):
            if n < block.data_count:
                per_block[index].append(codewords[position])
                position += 1
    return [word for block in per_block for word in block]


class _Bits:
    def __init__(self, words: list[int]):
        self.text = "".join(f"{word:08b}" for word in words)
        self.at = 0

    def take(self, count: int) -> int:
        value = int(self.text[self.at : self.at + count] or "0", 2)
        self.at += count
        return value

    def left(self) -> int:
        return len(self.text) - self.at


def _segments(words: list[int], version: int) -> str:
    bits = _Bits(words)
    parts: list[bytes] = []
    while bits.left() >= 4 and (mode := bits.take(4)) != 0:
        length = bits.take(util.length_in_bits(mode, version))
        if mode == util.MODE_NUMBER:
            digits = "".join(
                f"{bits.take({3: 10, 2: 7, 1: 4}[size]):0{size}d}"
                for size in [3] * (length // 3) + ([length % 3] if length % 3 else [])
            )
            parts.append(digits.encode("ascii"))
        elif mode == util.MODE_ALPHA_NUM:
            pairs = [divmod(bits.take(11), 45) for _pair in range(length // 2)]
            text = "".join(ALPHANUMERIC[high] + ALPHANUMERIC[low] for high, low in pairs)
            if length % 2:
                text += ALPHANUMERIC[bits.take(6)]
            parts.append(text.encode("ascii"))
        elif mode == util.MODE_8BIT_BYTE:
            parts.append(bytes(bits.take(8) for _byte in range(length)))
        else:
            raise AssertionError(f"segment mode {mode} is not read here")
    return b"".join(parts).decode("utf-8")
