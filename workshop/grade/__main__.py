"""`python -m workshop.grade ...`: the grader without the workshop CLI around it."""

import argparse
import sys

from workshop.grade import add_arguments, main

parser = argparse.ArgumentParser(prog="workshop grade", description="Grade a class's submissions.")
add_arguments(parser)
sys.exit(main(parser.parse_args()))
