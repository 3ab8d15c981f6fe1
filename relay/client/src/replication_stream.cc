#include "galaxis/relay/replication_stream.h"

#include <fmt/format.h>

#include "galaxis/binlog/event_type.h"
#include "galaxis/binlog/payload.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/transaction_boundary.h"

namespace galaxis::relay {

namespace {

std::string event_name(const binlog::Event& event) {
  return std::string(binlog::event_type_name(event.header.type_code));
}

std::string at(const StreamEvent& where) {
  return fmt::format("{}:{}{}", where.file, where.offset, where.inner ? " (inside the transaction payload)" : "");
}

}  // namespace

ReplicationStream::ReplicationStream(BinlogSource& source, StreamOptions options)
    : source_(source), options_(options) {}

ReplicationStream::~ReplicationStream() = default;

void ReplicationStream::request_stop() { stop_.request_stop(); }

binlog::BinlogPosition ReplicationStream::accepted_position() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

StreamStats ReplicationStream::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void ReplicationStream::accept(const binlog::BinlogPosition& position) {
  std::lock_guard lock(mutex_);
  accepted_ = position;
}

void ReplicationStream::run(const StartPosition& from, TransactionConsumer& consumer) {
  {
    std::lock_guard lock(mutex_);
    accepted_ = binlog::BinlogPosition{from.file, from.offset, from.gtid_set};
  }
  gtid_state_.reset(from.gtid_set);
  StartPosition next = from;
  Backoff backoff(options_.retry, options_.clock != nullptr ? *options_.clock : steady_clock());
  while (!stop_.stop_requested()) {
    uint64_t transactions_before = stats().transactions;
    try {
      binlog::DecoderOptions decoder_options;
      decoder_options.verify_checksums = options_.verify_checksums;
      decoder_options.decode_rows = options_.decode_rows;
      decoder_options.source_name = source_.describe();
      decoder_ = std::make_unique<binlog::Decoder>(decoder_options);
      in_transaction_ = false;
      after_begin_ = false;
      consumer_failed_ = false;
      source_.open(next);
      pump(consumer);
      return;  // end of the binlog (non-blocking) or stop requested
    } catch (Error& e) {
      if (in_transaction_) {
        in_transaction_ = false;
        {
          std::lock_guard lock(mutex_);
          ++stats_.aborted_transactions;
        }
        try {
          consumer.on_transaction_abort(transaction_, e);
        } catch (const std::exception& abort_error) {
          log::error("relay: consumer failed while aborting a transaction: {}", abort_error.what());
          consumer_failed_ = true;
        }
      }
      if (consumer_failed_ || !e.retryable() || !options_.reconnect || stop_.stop_requested()) throw;
      if (stats().transactions > transactions_before) backoff.reset();  // it had made progress
      const std::optional<std::chrono::milliseconds> delay = backoff.next_delay();
      if (!delay) {
        e.add_context(options_.retry.max_attempts != 0 && backoff.attempts() > options_.retry.max_attempts
                          ? fmt::format("giving up after {} reconnect attempts", options_.retry.max_attempts)
                          : backoff.gave_up_reason());
        throw;
      }
      const binlog::BinlogPosition resume = accepted_position();
      log::warn("relay: {}; reconnecting in {} ms (attempt {}) to resume at {}", e.what(), delay->count(),
                backoff.attempts(), resume.file.empty() ? "the start position" : resume.to_string());
      consumer.on_reconnect(e, backoff.attempts(), *delay);
      {
        std::lock_guard lock(mutex_);
        ++stats_.reconnects;
      }
      backoff.wait(*delay, &stop_);
      if (!resume.file.empty()) next = StartPosition{resume.file, resume.offset, ""};
      gtid_state_.reset(resume.gtid_executed);
    } catch (...) {
      if (in_transaction_) {
        in_transaction_ = false;
        try {
          consumer.on_transaction_abort(transaction_, Error(Error::Kind::kRuntime, "the consumer failed"));
        } catch (...) {
        }
      }
      throw;
    }
  }
}

bool ReplicationStream::pump(TransactionConsumer& consumer) {
  while (!stop_.stop_requested()) {
    auto raw = source_.next();
    if (!raw) return false;
    binlog::Event event;
    try {
      event = decoder_->decode(raw->bytes, raw->offset);
    } catch (Error& e) {
      e.add_context(fmt::format("source {} at {}:{}", source_.describe(), raw->file, raw->offset));
      throw;
    }
    {
      std::lock_guard lock(mutex_);
      ++stats_.events;
      stats_.bytes += raw->bytes.size();
    }
    StreamEvent where{event, raw->file, raw->offset, raw->next_position, false, raw->artificial, ""};
    where.movable = &event;  // decoded for this call only
    try {
      handle(event, where, consumer);
    } catch (Error& e) {
      if (!consumer_failed_) e.add_context(fmt::format("source {} at {}", source_.describe(), at(where)));
      throw;
    }
  }
  return true;
}

void ReplicationStream::begin(const binlog::Event& event, const StreamEvent& where, TransactionConsumer& consumer) {
  in_transaction_ = true;
  after_begin_ = false;
  transaction_ = TransactionInfo{};
  transaction_.gtid = GtidState::gtid_of(event).value_or("");
  transaction_.begin = binlog::BinlogPosition{std::string(where.file), where.offset, gtid_state_.to_string()};
  transaction_.timestamp = event.header.timestamp;
  if (event.as<binlog::GtidEvent>() || event.as<binlog::MariaGtidEvent>()) {
    gtid_event_ = std::make_unique<binlog::Event>(event);
  } else {
    gtid_event_.reset();
  }
  try {
    consumer.on_transaction_begin(transaction_);
  } catch (...) {
    consumer_failed_ = true;
    throw;
  }
}

void ReplicationStream::commit(TransactionConsumer& consumer) {
  if (gtid_event_) gtid_state_.commit(*gtid_event_);
  const binlog::BinlogPosition position = source_.position();
  transaction_.end = binlog::BinlogPosition{position.file, position.offset, gtid_state_.to_string()};
  try {
    consumer.on_transaction_commit(transaction_);
  } catch (...) {
    consumer_failed_ = true;
    throw;
  }
  in_transaction_ = false;
  after_begin_ = false;
  accept(transaction_.end);
  std::lock_guard lock(mutex_);
  ++stats_.transactions;
}

void ReplicationStream::handle(const binlog::Event& event, const StreamEvent& where_in, TransactionConsumer& consumer) {
  StreamEvent where = where_in;
  const auto deliver = [&] {
    where.gtid = transaction_.gtid;
    ++transaction_.events;
    try {
      consumer.on_event(transaction_, where);
    } catch (...) {
      consumer_failed_ = true;
      throw;
    }
  };
  if (const auto* incident = event.as<binlog::IncidentEvent>()) {
    throw_error(Error::Kind::kServer,
                "INCIDENT event {} from the master: {} (the master may have lost changes; resynchronise with "
                "`galaxis-relay sync`)",
                incident->incident, incident->message);
  }
  switch (classify_event(event, after_begin_)) {
    case EventRole::kControl: {
      if (const auto* previous = event.as<binlog::PreviousGtidsEvent>()) gtid_state_.on_previous_gtids(*previous);
      if (const auto* list = event.as<binlog::MariaGtidListEvent>()) gtid_state_.on_gtid_list(*list);
      if (event.as<binlog::HeartbeatEvent>()) {
        std::lock_guard lock(mutex_);
        ++stats_.heartbeats;
      }
      try {
        consumer.on_control_event(where);
      } catch (...) {
        consumer_failed_ = true;
        throw;
      }
      if (!in_transaction_ && !where.inner) {
        const binlog::BinlogPosition position = source_.position();
        accept(binlog::BinlogPosition{position.file, position.offset, gtid_state_.to_string()});
      }
      return;
    }
    case EventRole::kBeginGtid:
      if (in_transaction_) {
        throw_error(Error::Kind::kCorrupt, "{} event while the transaction begun at {} has not ended",
                    event_name(event), transaction_.begin.to_string());
      }
      begin(event, where, consumer);
      // A MariaDB GTID without FL_STANDALONE opens a group that ends only at
      // XID/COMMIT even when no BEGIN query follows (CREATE TABLE ... SELECT,
      // a group starting with SAVEPOINT): later QUERY events are parts of it.
      if (const auto* maria = event.as<binlog::MariaGtidEvent>(); maria && !maria->standalone()) after_begin_ = true;
      deliver();
      return;
    case EventRole::kBegin:
      if (!in_transaction_) begin(event, where, consumer);
      after_begin_ = true;
      deliver();
      return;
    case EventRole::kPart:
      if (!in_transaction_) {
        throw_error(Error::Kind::kCorrupt, "{} event outside a transaction", event_name(event));
      }
      if (const auto* opaque = event.as<binlog::OpaqueEvent>(); opaque && !opaque->known_type) {
        throw_error(Error::Kind::kUnsupported, "unknown event type {} inside transaction {}: refusing to skip it",
                    event.header.type_code,
                    transaction_.gtid.empty() ? transaction_.begin.to_string() : transaction_.gtid);
      }
      deliver();
      return;
    case EventRole::kCommit:
      if (!in_transaction_) throw_error(Error::Kind::kCorrupt, "{} event outside a transaction", event_name(event));
      deliver();
      commit(consumer);
      return;
    case EventRole::kStatement:
      if (!in_transaction_) begin(event, where, consumer);
      deliver();
      commit(consumer);
      return;
    case EventRole::kPayload: {
      if (where.inner) throw_error(Error::Kind::kCorrupt, "transaction payload nested in a transaction payload");
      if (!in_transaction_) {
        throw_error(Error::Kind::kCorrupt, "transaction payload without a preceding GTID event");
      }
      const auto& payload = *event.as<binlog::TransactionPayloadEvent>();
      binlog::TransactionPayloadReader reader(payload, where.offset);
      while (auto inner = reader.next()) {
        binlog::Event inner_event = decoder_->decode_inner(*inner, where.offset);
        StreamEvent inner_where{inner_event, where.file, where.offset, where.next_position, true, false, ""};
        inner_where.movable = &inner_event;
        handle(inner_event, inner_where, consumer);
      }
      return;
    }
  }
}

}  // namespace galaxis::relay
