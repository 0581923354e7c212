#!/usr/bin/env python3
"""Heap allocations in a callgrind dump (bench/exp_callgrind.sh).

  cgalloc.py CALLGRIND.OUT
      Prints "allocs news": the calls into the C allocation functions (malloc, calloc,
      realloc, the aligned ones; every operator new calls one of them, so they are counted
      there too), and the calls into operator new / new[] alone (C++ code's share).

callgrind counts calls per caller -> callee arc (`calls=N ...` lines under `cfn=`), reset
with the other costs by `callgrind_control -z`; the sum over the arcs into a function is the
number of times it was called in the dump's window. Calls from inside the allocator itself
(malloc's own helpers) are not counted: only arcs into the names below. Names are compressed
in the file ("(id) name" the first time, "(id)" after), and recursion levels get "'N".
"""
import re
import sys

ALLOC = {"malloc", "calloc", "realloc", "reallocarray", "memalign", "posix_memalign",
         "aligned_alloc", "valloc", "pvalloc", "__libc_malloc", "__libc_calloc",
         "__libc_realloc", "__libc_memalign", "__posix_memalign"}
NEW = re.compile(r"^operator new(\[\])?\(")
NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


def main(path):
    names = {}
    allocs = news = 0
    callee = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                m = NAME.match(line.split("=", 1)[1].rstrip("\n"))
                if m:
                    if m.group(2) is not None:
                        names[m.group(1)] = m.group(2)
                    name = names.get(m.group(1), "")
                else:
                    name = line.split("=", 1)[1].rstrip("\n")
                name = name.split("'")[0]
                callee = name if line.startswith("cfn=") else None
            elif line.startswith("calls=") and callee is not None:
                n = int(line[6:].split()[0])
                if callee in ALLOC:
                    allocs += n
                elif NEW.match(callee):
                    news += n
                callee = None
    print(allocs, news)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
