/* Included with #include: a constant with an error, reported at this file's own line. */

const long FROM_HEADER = 1 << 70;
