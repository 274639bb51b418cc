#!/usr/bin/env python3
"""A photo-like picture for the encoder benchmark, the same on every
machine: a landscape of value noise (a sky with clouds above a ragged
horizon, textured ground below) with sensor-like grain, so that it has
what photographs have and screens rarely do: smooth gradients, soft and
hard edges, and no two neighbouring pixels quite alike.

    photo.py WIDTH HEIGHT OUT.ppm
"""
import sys


class Rand:
    """A fixed LCG, so the picture does not depend on Python's random."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s * 1103515245 + 12345) & 0x7fffffff
        return self.s / 0x7fffffff


def octave(w, h, cell, rnd):
    """Value noise: a random grid every `cell` pixels, interpolated
    smoothly; rows of floats in [0, 1]."""
    gw, gh = w // cell + 2, h // cell + 2
    grid = [[rnd.next() for _ in range(gw)] for _ in range(gh)]
    xs = []
    for x in range(w):
        f = x / cell
        i = int(f)
        t = f - i
        xs.append((i, t * t * (3 - 2 * t)))
    rows = []
    for y in range(h):
        f = y / cell
        j = int(f)
        t = f - j
        t = t * t * (3 - 2 * t)
        a, b = grid[j], grid[j + 1]
        line = [a[k] + (b[k] - a[k]) * t for k in range(gw)]
        rows.append([line[i] + (line[i + 1] - line[i]) * s for i, s in xs])
    return rows


def fractal(w, h, seed, cells):
    rnd = Rand(seed)
    total = [[0.0] * w for _ in range(h)]
    weight = 0.0
    amp = 1.0
    for cell in cells:
        o = octave(w, h, cell, rnd)
        for y in range(h):
            t, r = total[y], o[y]
            for x in range(w):
                t[x] += r[x] * amp
        weight += amp
        amp *= 0.5
    return [[v / weight for v in row] for row in total]


def clamp(v):
    return 0 if v < 0 else 255 if v > 255 else int(v)


def main():
    w, h, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    big = max(w, h)
    land = fractal(w, h, 1, [big // 4, big // 16, big // 64, 4])
    cloud = fractal(w, h, 2, [big // 6, big // 24, big // 96])
    ridge = fractal(w, 1, 3, [big // 5, big // 20, big // 80])[0]
    grain = Rand(4)
    out = bytearray()
    for y in range(h):
        for x in range(w):
            horizon = h * (0.35 + 0.3 * ridge[x])
            if y < horizon:
                # sky: blue to pale towards the horizon, white clouds
                s = y / horizon
                c = max(0.0, cloud[y][x] - 0.45) * 2.2
                r = 70 + 110 * s + 170 * c
                g = 120 + 90 * s + 130 * c
                b = 200 + 40 * s + 40 * c
            else:
                # ground: greens and browns, darker in the distance
                v = land[y][x]
                d = 0.6 + 0.4 * (y - horizon) / (h - horizon + 1)
                r = (60 + 140 * v) * d
                g = (80 + 120 * (1 - abs(v - 0.5) * 2)) * d
                b = (30 + 60 * v) * d
            n = (grain.next() - 0.5) * 10
            out += bytes((clamp(r + n), clamp(g + n), clamp(b + n)))
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(out)


if __name__ == "__main__":
    main()
