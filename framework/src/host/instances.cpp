#include <descent/errors.hpp>
#include <descent/instances.hpp>
#include <descent/sdk/hparams.hpp>

namespace descent {

void HParamValues::bind() {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i].text != nullptr) values[i].text = texts[i].c_str();
}

HParamValues default_hparams(const descent_descriptor& descriptor) {
  HParamValues out;
  for (std::uint32_t i = 0; i < descriptor.hparam_count; ++i) {
    const descent_hparam_desc& h = descriptor.hparams[i];
    out.values.push_back(sdk::default_value(h));
    out.texts.emplace_back(h.default_text != nullptr ? h.default_text : "");
  }
  out.bind();
  return out;
}

namespace {

std::string status_text(descent_status status) {
  switch (status) {
    case DESCENT_ERROR_INVALID_ARGUMENT:
      return "invalid argument";
    case DESCENT_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case DESCENT_ERROR_UNSUPPORTED:
      return "unsupported";
    case DESCENT_ERROR_BAD_STATE:
      return "bad state";
    default:
      return "internal error";
  }
}

[[noreturn]] void throw_call_error(const Component& c, const char* what,
                                   descent_status status, const char* text) {
  throw RunError(std::string(kind_name(c.kind)) + " '" + std::string(c.name()) +
                 "' " + what + " failed (" + status_text(status) +
                 "): " + (text ? text : ""));
}

// create() failures are bad input: the hyperparameters or sizes given by
// the user did not suit the plugin.
[[noreturn]] void throw_create_error(const Component& c, const char* error) {
  throw InputError(std::string(kind_name(c.kind)) + " '" +
                   std::string(c.name()) + "' (" + c.file.string() +
                   ") refused its configuration: " + error);
}

}  // namespace

Optimizer::Optimizer(const Component& component, HParamValues hparams,
                     std::uint64_t n_params, descent_dtype dtype)
    : component_(component) {
  hparams.bind();
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (component_.optimizer->create(hparams.values.data(), hparams.count(),
                                   n_params, dtype, &instance_,
                                   error) != DESCENT_OK)
    throw_create_error(component_, error);
}

Optimizer::~Optimizer() { component_.optimizer->destroy(instance_); }

void Optimizer::fail(const char* what, descent_status status) const {
  throw_call_error(component_, what, status,
                   component_.optimizer->last_error(instance_));
}

void Optimizer::step(std::span<double> params, std::span<const double> grads,
                     double lr, std::uint64_t t) {
  const auto s = component_.optimizer->step_f64(
      instance_, params.data(), grads.data(), params.size(), lr, t);
  if (s != DESCENT_OK) fail("step", s);
}

void Optimizer::step(std::span<float> params, std::span<const float> grads,
                     double lr, std::uint64_t t) {
  const auto s = component_.optimizer->step_f32(
      instance_, params.data(), grads.data(), params.size(), lr, t);
  if (s != DESCENT_OK) fail("step", s);
}

void Optimizer::reset() {
  if (auto s = component_.optimizer->reset(instance_); s != DESCENT_OK)
    fail("reset", s);
}

std::vector<unsigned char> Optimizer::save_state() const {
  std::vector<unsigned char> blob(component_.optimizer->state_size(instance_));
  std::uint64_t written = 0;
  if (auto s = component_.optimizer->state_save(instance_, blob.data(),
                                                blob.size(), &written);
      s != DESCENT_OK)
    fail("state_save", s);
  blob.resize(written);
  return blob;
}

void Optimizer::load_state(std::span<const unsigned char> blob) {
  if (auto s =
          component_.optimizer->state_load(instance_, blob.data(), blob.size());
      s != DESCENT_OK)
    fail("state_load", s);
}

Model::Model(const Component& component, const HParamValues& hparams,
             std::uint64_t n_inputs, std::uint64_t n_outputs)
    : component_(component) {
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (component_.model->create(hparams.values.data(), hparams.count(), n_inputs,
                               n_outputs, &instance_, error) != DESCENT_OK)
    throw_create_error(component_, error);
}

Model::~Model() { component_.model->destroy(instance_); }

void Model::fail(const char* what, descent_status status) const {
  throw_call_error(component_, what, status,
                   component_.model->last_error(instance_));
}

std::uint64_t Model::param_count() const {
  return component_.model->param_count(instance_);
}

void Model::init(std::span<double> params, std::uint64_t seed) {
  if (auto s =
          component_.model->init(instance_, params.data(), params.size(), seed);
      s != DESCENT_OK)
    fail("init", s);
}

void Model::forward(const double* params, const double* X, std::uint64_t rows,
                    double* out) {
  if (auto s = component_.model->forward(instance_, params, X, rows, out);
      s != DESCENT_OK)
    fail("forward", s);
}

void Model::backward(const double* params, const double* X, std::uint64_t rows,
                     const double* dout, double* grad) {
  if (auto s =
          component_.model->backward(instance_, params, X, rows, dout, grad);
      s != DESCENT_OK)
    fail("backward", s);
}

void Model::forward(const float* params, const float* X, std::uint64_t rows,
                    float* out) {
  if (!has_f32())
    throw InputError(std::string(component_.name()) +
                     ": the model has no float32 path (ABI 1.1 forward_f32)");
  if (auto s = component_.model->forward_f32(instance_, params, X, rows, out);
      s != DESCENT_OK)
    fail("forward_f32", s);
}

void Model::backward(const float* params, const float* X, std::uint64_t rows,
                     const float* dout, float* grad) {
  if (!has_f32())
    throw InputError(std::string(component_.name()) +
                     ": the model has no float32 path (ABI 1.1 backward_f32)");
  if (auto s = component_.model->backward_f32(instance_, params, X, rows, dout,
                                              grad);
      s != DESCENT_OK)
    fail("backward_f32", s);
}

Loss::Loss(const Component& component, const HParamValues& hparams)
    : component_(component) {
  char error[DESCENT_ERROR_CAPACITY] = {};
  if (component_.loss->create(hparams.values.data(), hparams.count(),
                              &instance_, error) != DESCENT_OK)
    throw_create_error(component_, error);
}

Loss::~Loss() { component_.loss->destroy(instance_); }

void Loss::fail(const char* what, descent_status status) const {
  throw_call_error(component_, what, status,
                   component_.loss->last_error(instance_));
}

double Loss::value_and_grad(const double* outputs, const double* targets,
                            std::uint64_t rows, std::uint64_t cols,
                            double scale, double* dout) {
  double value = 0.0;
  if (auto s = component_.loss->value_and_grad(instance_, outputs, targets,
                                               rows, cols, scale, &value, dout);
      s != DESCENT_OK)
    fail("value_and_grad", s);
  return value;
}

}  // namespace descent
