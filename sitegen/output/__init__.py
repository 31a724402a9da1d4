"""Stage 5, write: the output folder staged beside the live one and swapped in whole."""
