// Reads gzipped IDX files (the MNIST / Fashion-MNIST format) into tensors.
#pragma once

#include <torch/torch.h>

#include <filesystem>

namespace examples {

// Images as float [N,1,H,W] scaled to [0,1]; labels as int64 [N].  `limit`
// (0: all) reads only the first examples.
torch::Tensor read_idx_images(const std::filesystem::path& gz_path, std::int64_t limit = 0);
torch::Tensor read_idx_labels(const std::filesystem::path& gz_path, std::int64_t limit = 0);

}  // namespace examples
