#include "darcy.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <numbers>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace darcy {
namespace {

// splitmix64: a tiny generator with the same output on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {                                             // Box-Muller
    const double u = 1.0 - uniform();                            // (0, 1]
    const double v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v);
  }

 private:
  std::uint64_t state_;
};

// Face transmissibilities of the 5-point finite-volume stencil.
// tx[j * (n + 1) + i]: face between cells (i - 1, j) and (i, j); i = 0 and
// i = n are the Dirichlet faces (2 K of the cell).  ty[j * n + i]: face between
// (i, j - 1) and (i, j); j = 0 and j = n are no-flow faces (0).
struct Stencil {
  int n = 0;
  std::vector<double> tx, ty, diagonal, rhs;

  Stencil(int n_, const std::vector<double>& k) : n(n_), tx(std::size_t(n_) * (n_ + 1)),
                                                   ty(std::size_t(n_ + 1) * n_), diagonal(std::size_t(n_) * n_),
                                                   rhs(std::size_t(n_) * n_, 0.0) {
    auto harmonic = [](double a, double b) { return 2.0 * a * b / (a + b); };
    for (int j = 0; j < n; ++j) {
      tx[j * (n + 1) + 0] = 2.0 * k[j * n + 0];
      tx[j * (n + 1) + n] = 2.0 * k[j * n + n - 1];
      for (int i = 1; i < n; ++i) tx[j * (n + 1) + i] = harmonic(k[j * n + i - 1], k[j * n + i]);
    }
    for (int i = 0; i < n; ++i) {
      ty[0 * n + i] = 0.0;
      ty[std::size_t(n) * n + i] = 0.0;
    }
    for (int j = 1; j < n; ++j)
      for (int i = 0; i < n; ++i) ty[j * n + i] = harmonic(k[(j - 1) * n + i], k[j * n + i]);
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i) {
        diagonal[j * n + i] = tx[j * (n + 1) + i] + tx[j * (n + 1) + i + 1] + ty[j * n + i] + ty[(j + 1) * n + i];
      }
      rhs[j * n + 0] = tx[j * (n + 1) + 0] * 1.0;  // p = 1 at x = 0; p = 0 at x = 1 adds nothing
    }
  }

  // out = A p (homogeneous boundary values; the Dirichlet data sit in rhs).
  void apply(const std::vector<double>& p, std::vector<double>& out) const {
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i) {
        const std::size_t c = std::size_t(j) * n + i;
        double v = diagonal[c] * p[c];
        if (i > 0) v -= tx[j * (n + 1) + i] * p[c - 1];
        if (i < n - 1) v -= tx[j * (n + 1) + i + 1] * p[c + 1];
        if (j > 0) v -= ty[j * n + i] * p[c - n];
        if (j < n - 1) v -= ty[(j + 1) * n + i] * p[c + n];
        out[c] = v;
      }
    }
  }
};

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double true_relative_residual(const Stencil& s, const std::vector<double>& p) {
  std::vector<double> ap(p.size());
  s.apply(p, ap);
  double r2 = 0;
  for (std::size_t i = 0; i < p.size(); ++i) r2 += (s.rhs[i] - ap[i]) * (s.rhs[i] - ap[i]);
  return std::sqrt(r2 / dot(s.rhs, s.rhs));
}

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

}  // namespace

std::vector<double> log_permeability(const GeneratorParams& params, std::int64_t index) {
  const int n = params.grid, m = params.modes;
  Random random(params.seed * 0x9E3779B97F4A7C15ull ^ (std::uint64_t(index) + 0x632BE59BD9B4E019ull));
  random.next();
  std::vector<double> g(std::size_t(n) * n, 0.0);
  // cos(wx x + wy y + phi) = cos(a) cos(b) - sin(a) sin(b), a = wx x + phi, b = wy y.
  std::vector<double> ca(n), sa(n), cb(n), sb(n);
  const double amplitude = params.log_k_std * std::sqrt(2.0 / double(m));
  for (int mode = 0; mode < m; ++mode) {
    const double wx = random.normal() / params.length_scale;
    const double wy = random.normal() / params.length_scale;
    const double phi = 2.0 * std::numbers::pi * random.uniform();
    for (int t = 0; t < n; ++t) {
      const double coordinate = (t + 0.5) / n;
      ca[t] = std::cos(wx * coordinate + phi);
      sa[t] = std::sin(wx * coordinate + phi);
      cb[t] = std::cos(wy * coordinate);
      sb[t] = std::sin(wy * coordinate);
    }
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) g[j * n + i] += amplitude * (ca[i] * cb[j] - sa[i] * sb[j]);
  }
  return g;
}

SolveStats solve_pressure(int n, const std::vector<double>& k, std::vector<double>& p, double tolerance,
                          int max_iterations) {
  const Stencil s(n, k);
  const std::size_t size = std::size_t(n) * n;
  if (p.size() != size) {  // no initial guess: start from the constant-K solution p = 1 - x
    p.assign(size, 0.0);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) p[j * n + i] = 1.0 - (i + 0.5) / n;
  }
  std::vector<double> r(size), z(size), d(size), q(size);
  s.apply(p, q);
  for (std::size_t c = 0; c < size; ++c) r[c] = s.rhs[c] - q[c];
  const double b_norm = std::sqrt(dot(s.rhs, s.rhs));
  for (std::size_t c = 0; c < size; ++c) z[c] = r[c] / s.diagonal[c];
  d = z;
  double rz = dot(r, z);
  SolveStats stats;
  for (stats.iterations = 0; stats.iterations <= max_iterations; ++stats.iterations) {
    stats.relative_residual = std::sqrt(dot(r, r)) / b_norm;
    if (stats.relative_residual <= tolerance) {
      stats.converged = true;
      break;
    }
    if (stats.iterations == max_iterations) break;
    s.apply(d, q);
    const double alpha = rz / dot(d, q);
    for (std::size_t c = 0; c < size; ++c) {
      p[c] += alpha * d[c];
      r[c] -= alpha * q[c];
      z[c] = r[c] / s.diagonal[c];
    }
    const double rz_next = dot(r, z);
    const double beta = rz_next / rz;
    rz = rz_next;
    for (std::size_t c = 0; c < size; ++c) d[c] = z[c] + beta * d[c];
  }
  return stats;
}

BoundaryFlux boundary_flux(int n, const std::vector<double>& k, const std::vector<double>& p) {
  BoundaryFlux flux;
  for (int j = 0; j < n; ++j) {
    flux.inflow += 2.0 * k[j * n + 0] * (1.0 - p[j * n + 0]);
    flux.outflow += 2.0 * k[j * n + n - 1] * (p[j * n + n - 1] - 0.0);
  }
  return flux;
}

Dataset generate(const GeneratorParams& params, int threads) {
  if (params.grid < 2 || params.samples < 1 || !(params.length_scale > 0) || params.modes < 1) {
    throw std::invalid_argument("darcy: grid >= 2, samples >= 1, length scale > 0 and modes >= 1 needed");
  }
  const int n = params.grid;
  const std::size_t cells = std::size_t(n) * n;
  Dataset data;
  data.grid = n;
  data.samples = params.samples;
  data.log_k.resize(cells * params.samples);
  data.pressure.resize(cells * params.samples);
  std::atomic<std::int64_t> next{0};
  std::mutex mutex;
  std::string failure;
  auto work = [&] {
    std::vector<double> k(cells), p;
    int worst_iterations = 0;
    double worst_residual = 0;
    for (std::int64_t index; (index = next.fetch_add(1)) < params.samples;) {
      const auto g = log_permeability(params, index);
      for (std::size_t c = 0; c < cells; ++c) k[c] = std::exp(g[c]);
      p.clear();  // the same initial guess for every sample, whichever thread solves it
      const auto stats = solve_pressure(n, k, p, params.tolerance, params.max_iterations);
      const double residual = true_relative_residual(Stencil(n, k), p);
      if (!stats.converged) {
        std::lock_guard lock(mutex);
        failure = "darcy: CG did not converge for sample " + std::to_string(index) + " (relative residual " +
                  number(stats.relative_residual) + " after " + std::to_string(stats.iterations) + " iterations)";
        next = params.samples;
        break;
      }
      worst_iterations = std::max(worst_iterations, stats.iterations);
      worst_residual = std::max(worst_residual, residual);
      for (std::size_t c = 0; c < cells; ++c) {
        data.log_k[index * cells + c] = float(g[c]);
        data.pressure[index * cells + c] = float(p[c]);
      }
    }
    std::lock_guard lock(mutex);
    data.max_iterations_used = std::max(data.max_iterations_used, worst_iterations);
    data.worst_residual = std::max(data.worst_residual, worst_residual);
  };
  threads = std::max(1, threads);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  return data;
}

void write_binary(const Dataset& data, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("darcy: cannot write " + path.string());
  const char magic[8] = {'T', 'P', 'D', 'A', 'R', 'C', 'Y', '1'};
  const std::uint32_t grid = std::uint32_t(data.grid), reserved = 0;
  const std::uint64_t samples = std::uint64_t(data.samples);
  out.write(magic, sizeof magic);
  out.write(reinterpret_cast<const char*>(&grid), sizeof grid);
  out.write(reinterpret_cast<const char*>(&reserved), sizeof reserved);
  out.write(reinterpret_cast<const char*>(&samples), sizeof samples);
  out.write(reinterpret_cast<const char*>(data.log_k.data()), std::streamsize(data.log_k.size() * sizeof(float)));
  out.write(reinterpret_cast<const char*>(data.pressure.data()),
            std::streamsize(data.pressure.size() * sizeof(float)));
  out.close();
  if (!out) throw std::runtime_error("darcy: failed writing " + path.string());
}

std::string parameters_json(const GeneratorParams& params, bool open) {
  std::ostringstream json;
  json << "{\"generator\":\"torchprov-darcy-fv\""
       << ",\"equation\":\"-div(K grad p) = 0 on the unit square\""
       << ",\"grid\":" << params.grid << ",\"samples\":" << params.samples
       << ",\"log_permeability\":\"Gaussian random field, squared-exponential covariance, random Fourier features\""
       << ",\"length_scale\":" << number(params.length_scale) << ",\"log_k_std\":" << number(params.log_k_std)
       << ",\"modes\":" << params.modes << ",\"seed\":" << params.seed
       << ",\"boundary_conditions\":\"p=1 at x=0, p=0 at x=1, no flow at y=0 and y=1\""
       << ",\"discretisation\":\"cell-centred finite volumes, 5-point stencil, harmonic-mean face conductivities\""
       << ",\"solver\":\"Jacobi-preconditioned conjugate gradient\""
       << ",\"solver_tolerance\":" << number(params.tolerance)
       << ",\"max_iterations\":" << params.max_iterations;
  if (!open) json << "}";
  return json.str();
}

int self_test(std::ostream& out) {
  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    out << (ok ? "ok   " : "FAIL ") << what << "\n";
    failures += ok ? 0 : 1;
  };
  char text[256];

  // 1. Constant K: the discrete solution is exactly p = 1 - x.
  {
    const int n = 16;
    std::vector<double> k(n * n, 2.5), p(n * n, 0.0);  // start from p = 0, away from the answer
    const auto stats = solve_pressure(n, k, p, 1e-12, 10000);
    double error = 0;
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) error = std::max(error, std::abs(p[j * n + i] - (1.0 - (i + 0.5) / n)));
    std::snprintf(text, sizeof text, "constant K: |p - (1 - x)| = %.2e < 1e-10 (%d iterations)", error,
                  stats.iterations);
    check(stats.converged && error < 1e-10, text);
  }

  // 2. Layered K(x): each row is a 1-D series of resistances; the exact discrete
  //    solution has flux q = 1 / sum_i 1/K_i per row (with the h factors cancelling).
  {
    const int n = 24;
    Random random(7);
    std::vector<double> column(n);
    for (auto& v : column) v = std::exp(1.5 * random.normal());
    std::vector<double> k(n * n), p(n * n, 0.0);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) k[j * n + i] = column[i];
    const auto stats = solve_pressure(n, k, p, 1e-12, 10000);
    double resistance = 0;
    for (double v : column) resistance += 1.0 / v;
    const double q = 1.0 / resistance;
    std::vector<double> exact(n);
    exact[0] = 1.0 - q / (2.0 * column[0]);
    for (int i = 1; i < n; ++i) exact[i] = exact[i - 1] - q * 0.5 * (1.0 / column[i - 1] + 1.0 / column[i]);
    double error = 0;
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) error = std::max(error, std::abs(p[j * n + i] - exact[i]));
    const double last_drop = exact[n - 1] - q / (2.0 * column[n - 1]);  // must reach p = 0 at x = 1
    std::snprintf(text, sizeof text,
                  "layered K(x), contrast %.0f: |p - exact 1-D series solution| = %.2e < 1e-9 (%d iterations)",
                  *std::max_element(column.begin(), column.end()) / *std::min_element(column.begin(), column.end()),
                  error, stats.iterations);
    check(stats.converged && error < 1e-9 && std::abs(last_drop) < 1e-12, text);
  }

  // 3. A random field: the true residual (computed here from K directly, not
  //    through the solver's stencil), the discrete maximum principle and the
  //    conservation of mass (inflow = outflow).
  {
    GeneratorParams params;
    params.grid = 32;
    params.log_k_std = 1.5;
    const int n = params.grid;
    const auto g = log_permeability(params, 3);
    std::vector<double> k(g.size()), p;
    for (std::size_t c = 0; c < g.size(); ++c) k[c] = std::exp(g[c]);
    const auto stats = solve_pressure(n, k, p, params.tolerance, params.max_iterations);
    auto K = [&](int i, int j) { return k[j * n + i]; };
    auto P = [&](int i, int j) { return p[j * n + i]; };
    auto face = [](double a, double b) { return 2.0 * a * b / (a + b); };
    double residual2 = 0, rhs2 = 0;
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i) {
        double net = 0, source = 0;  // net outflow of cell (i, j)
        net += i > 0 ? face(K(i, j), K(i - 1, j)) * (P(i, j) - P(i - 1, j)) : 2.0 * K(i, j) * (P(i, j) - 1.0);
        net += i < n - 1 ? face(K(i, j), K(i + 1, j)) * (P(i, j) - P(i + 1, j)) : 2.0 * K(i, j) * P(i, j);
        if (j > 0) net += face(K(i, j), K(i, j - 1)) * (P(i, j) - P(i, j - 1));
        if (j < n - 1) net += face(K(i, j), K(i, j + 1)) * (P(i, j) - P(i, j + 1));
        if (i == 0) source = 2.0 * K(i, j);
        residual2 += net * net;
        rhs2 += source * source;
      }
    }
    const double relative = std::sqrt(residual2 / rhs2);
    std::snprintf(text, sizeof text, "random field (32x32, std log K 1.5): residual %.2e <= 10 x tolerance (%d iterations)",
                  relative, stats.iterations);
    check(stats.converged && relative <= 10 * params.tolerance, text);
    const auto [lo, hi] = std::minmax_element(p.begin(), p.end());
    std::snprintf(text, sizeof text, "maximum principle: 0 < min p = %.4f <= max p = %.4f < 1", *lo, *hi);
    check(*lo > 0.0 && *hi < 1.0, text);
    const auto flux = boundary_flux(n, k, p);
    std::snprintf(text, sizeof text, "mass conservation: inflow %.8f = outflow %.8f", flux.inflow, flux.outflow);
    check(flux.inflow > 0 && std::abs(flux.inflow - flux.outflow) <= 1e-6 * flux.inflow, text);
    // Monotone in the driving pressure: each row's mean pressure falls from left to right
    // on average (a loose sanity check of the boundary conditions' orientation).
    double left = 0, right = 0;
    for (int j = 0; j < n; ++j) {
      left += P(0, j);
      right += P(n - 1, j);
    }
    check(left > right, "pressure is higher at the inflow (x = 0) than at the outflow (x = 1)");
  }

  // 4. Determinism: the same (seed, index) gives the same field; another seed another.
  {
    GeneratorParams a, b;
    b.seed = a.seed + 1;
    const auto f1 = log_permeability(a, 5), f2 = log_permeability(a, 5), f3 = log_permeability(b, 5);
    double mean = 0, var = 0;
    const auto big = log_permeability(a, 11);
    for (double v : big) mean += v;
    mean /= double(big.size());
    for (double v : big) var += (v - mean) * (v - mean);
    check(f1 == f2 && f1 != f3, "log K field is deterministic in (seed, index) and changes with the seed");
    check(std::isfinite(var) && var > 0, "log K field is non-constant and finite");
  }
  return failures;
}

}  // namespace darcy
