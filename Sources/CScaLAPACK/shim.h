#pragma once
// ScaLAPACK and BLACS ship no C header: their prototypes are declared (with gfortran's hidden
// string lengths) in _MPIShim/mpi_shim.c, the only caller. This module only links the library.
