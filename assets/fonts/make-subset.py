#!/usr/bin/env python3
"""Rebuilds NotoSerifSC-Subset.otf, the 宋体-style font Kaowu embeds in its printed papers.

Source: Noto Serif CJK SC Regular (face 2 of Debian's fonts-noto-cjk NotoSerifCJK-Regular.ttc,
SIL Open Font License 1.1, see LICENSE-OFL.txt). Kept: every GB 2312 character, ASCII,
CJK and full-width punctuation, common symbols, and every character found in the demo bank
and in the engine's own Chinese strings, so a fresh machine prints papers without any CJK font.

    pip install fonttools
    python3 assets/fonts/make-subset.py            # from the repository root

Outline format stays CID-keyed CFF, which printpdf embeds as /FontFile3 and subsets again
per document (only the glyphs a PDF uses end up in it).
"""
import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = pathlib.Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
FACE_SC = 2  # JP, KR, SC, TC, HK
OUT = pathlib.Path(__file__).resolve().parent / "NotoSerifSC-Subset.otf"


def gb2312():
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def ranges():
    spans = [
        (0x20, 0x7E),      # ASCII
        (0xA0, 0xFF),      # Latin-1: × ÷ · ° ± ² ³ µ …
        (0x2010, 0x2027),  # dashes, quotes, ellipsis
        (0x2030, 0x203B),  # ‰ ′ ″ ※
        (0x2070, 0x209F),  # super- and subscripts
        (0x2100, 0x2122),  # ℃ № ™
        (0x2160, 0x216B),  # Ⅰ–Ⅻ
        (0x2190, 0x2199),  # arrows
        (0x2200, 0x22FF),  # mathematical operators
        (0x2460, 0x249B),  # ①–⑳ ⑴ ⒈
        (0x2500, 0x257F),  # box drawing
        (0x25A0, 0x25FF),  # ○ ● □ ■ △ ◇ …
        (0x2605, 0x2606),  # ★ ☆
        (0x2610, 0x2612),  # ☐ ☑ ☒
        (0x2713, 0x2714),  # ✓ ✔
        (0x3000, 0x303F),  # CJK punctuation
        (0xFE10, 0xFE19),  # vertical forms of punctuation (harmless, tiny)
        (0xFE30, 0xFE4F),  # CJK compatibility forms
        (0xFF01, 0xFF5E),  # full-width ASCII
        (0xFFE0, 0xFFE6),  # ￥ ￡ …
    ]
    return {chr(c) for lo, hi in spans for c in range(lo, hi + 1)}


def used_in_repo():
    chars = set()
    globs = ["question-bank/banks/**/*.toml", "question-bank/blueprints/*.toml",
             "question-bank/src/**/*.rs", "engine/src/**/*.rs"]
    for pattern in globs:
        for path in ROOT.glob(pattern):
            chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F)
    return chars


def main():
    font = TTCollection(str(SOURCE)).fonts[FACE_SC]
    cmap = font.getBestCmap()
    wanted = gb2312() | ranges() | used_in_repo()
    present = sorted(c for c in wanted if ord(c) in cmap)
    missing = sorted(c for c in wanted if ord(c) not in cmap and not c.isspace())
    options = subset.Options()
    options.layout_features = ["kern", "palt", "halt", "locl"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["VORG", "vhea", "vmtx"]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[ord(c) for c in present])
    sub.subset(font)
    font.save(str(OUT))
    print(f"{OUT.name}: {len(present)} characters, {OUT.stat().st_size / 1e6:.1f} MB")
    if missing:
        print("not in Noto Serif CJK SC:", "".join(missing[:80]), file=sys.stderr)


if __name__ == "__main__":
    main()
