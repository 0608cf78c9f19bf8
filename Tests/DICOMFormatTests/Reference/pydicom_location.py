"""Prints the folder of the installed pydicom package."""
import os

import pydicom

print(os.path.dirname(pydicom.__file__))
