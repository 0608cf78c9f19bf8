// Writes PNG files byte by byte, without libpng, so that decoder tests compare against an independent encoder.
