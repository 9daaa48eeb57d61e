// Steady Darcy flow on the unit square, the data generator of the denseed
// example: random log-permeability fields and the pressure they produce.
//
//   -div(K grad p) = 0  on (0,1)^2,   K = exp(g),  g a Gaussian random field
//   p = 1 at x = 0,  p = 0 at x = 1  (Dirichlet, left/right)
//   K dp/dn = 0 at y = 0 and y = 1   (no flow, top/bottom)
//
// Discretisation: n x n cell-centred finite volumes (h = 1/n), the 5-point
// stencil with harmonic-mean face conductivities 2 K1 K2 / (K1 + K2); a
// Dirichlet face uses the cell's K over the half cell (2 K).  The system is
// symmetric positive definite and is solved by Jacobi-preconditioned
// conjugate gradients (plain C++, no external solver).
//
// g is a stationary zero-mean field with squared-exponential covariance
// sigma^2 exp(-|d|^2 / (2 l^2)), approximated by `modes` random Fourier
// features: g(x) = sigma sqrt(2/M) sum_m cos(w_m . x + phi_m), w_m ~ N(0, I/l^2),
// phi_m ~ U(0, 2 pi).  Sample i draws from its own splitmix64 stream seeded
// from (seed, i), so a data set is the same for the same seed on any machine
// and with any number of generator threads.
//
// Arrays are row-major with y as rows: cell (i, j) at x = (i + 0.5) h,
// y = (j + 0.5) h is element j * n + i.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace darcy {

struct GeneratorParams {
  int grid = 32;
  std::int64_t samples = 2048;
  double length_scale = 0.25;  // correlation length of log K
  double log_k_std = 1.0;      // standard deviation of log K
  int modes = 64;              // random Fourier features per field
  std::uint64_t seed = 42;
  double tolerance = 1e-8;     // CG stop: ||b - A p|| <= tolerance ||b||
  int max_iterations = 20000;
};

struct SolveStats {
  int iterations = 0;
  double relative_residual = 0;  // of the recursively updated residual
  bool converged = false;
};

// Log-permeability field of sample `index` (n * n values).
std::vector<double> log_permeability(const GeneratorParams& params, std::int64_t index);

// Solves for the pressure p (n * n values) given the permeability k (n * n, > 0).
// A p of n * n values is the initial guess; otherwise CG starts from p = 1 - x.
SolveStats solve_pressure(int n, const std::vector<double>& k, std::vector<double>& p,
                          double tolerance, int max_iterations);

// Total flux through the inflow (x = 0) and outflow (x = 1) boundaries.
struct BoundaryFlux {
  double inflow = 0, outflow = 0;
};
BoundaryFlux boundary_flux(int n, const std::vector<double>& k, const std::vector<double>& p);

struct Dataset {
  int grid = 0;
  std::int64_t samples = 0;
  std::vector<float> log_k;     // samples * grid * grid
  std::vector<float> pressure;  // samples * grid * grid
  int max_iterations_used = 0;  // worst CG iteration count
  double worst_residual = 0;    // worst true relative residual ||b - A p|| / ||b||
};

// Generates params.samples fields and solves each, on `threads` threads.
// Throws if a solve does not converge.
Dataset generate(const GeneratorParams& params, int threads);

// Binary file: "TPDARCY1", uint32 grid, uint32 0, uint64 samples, then
// float32 log K [samples][grid][grid], float32 p [samples][grid][grid]
// (host byte order, little-endian on the machines this runs on).
void write_binary(const Dataset& data, const std::filesystem::path& path);

// The generator's parameters as a JSON object (no trailing brace when `open`
// is true, so that a caller can append fields).
std::string parameters_json(const GeneratorParams& params, bool open = false);

// Checks of the solver against known solutions; prints one line per check and
// returns the number of failed checks.
int self_test(std::ostream& out);

}  // namespace darcy
