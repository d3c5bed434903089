#include "nodes/node.h"

namespace innoclear::nodes {

Result<std::unique_ptr<Node>> Node::open(NodeOptions options) {
  std::unique_ptr<Node> node(new Node());
  node->dir_ = options.service.dir;
  node->checkpoint_interval_ms_ = options.checkpoint_interval_ms;
  Result<std::unique_ptr<Service>> service = Service::open(std::move(options.service));
  if (!service.ok()) return service.status();
  node->service_ = std::move(*service);
  node->service_->set_actor_rate(options.actor_rate);
  return node;
}

Node::~Node() {
  stop();
  federation_.reset();  // before the transport it calls
}

Status Node::join(Manifest manifest, const TransportFactory& make_transport,
                  FederationOptions options) {
  const NodeIdentity& self = service_->identity();
  const Member* listed = manifest.find(self.region);
  if (listed == nullptr || listed->node_key != self.public_key ||
      listed->tls_fingerprint != self.tls_fingerprint) {
    return Status(Code::invalid_argument,
                  "the manifest does not list this node's key and certificate");
  }
  Result<std::unique_ptr<PeerTransport>> transport = make_transport(manifest, dir_);
  if (!transport.ok()) return transport.status();
  transport_ = std::move(*transport);
  federation_ =
      std::make_unique<Federation>(*service_, std::move(manifest), *transport_, std::move(options));
  return federation_->join();
}

void Node::start() {
  if (federation_) federation_->start();
  if (checkpoint_interval_ms_ > 0 && !checkpoints_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = false;
    }
    checkpoints_ = std::thread([this] { checkpoint_loop(); });
  }
}

void Node::stop() {
  if (federation_) federation_->stop();
  if (!checkpoints_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  checkpoints_.join();
  (void)service_->ledger().sign_checkpoint();
}

// Signs a checkpoint whenever the ledger grew (the ledger signs one per size), at most once an
// interval.
void Node::checkpoint_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    (void)service_->ledger().sign_checkpoint();
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(checkpoint_interval_ms_),
                   [this] { return stopping_; });
  }
}

}  // namespace innoclear::nodes
