#ifndef PNG_SHIM_H
#define PNG_SHIM_H
#endif
