#pragma once

// The objects of the stub payment plugin (stub_payment_plugin.cc) and their JSON form, which
// its state file contains.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "outbound/payment.h"

namespace outbound_stub {

using nlohmann::json;
using outbound::Charge;
using outbound::Metadata;
using outbound::Refund;

inline std::int64_t to_unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

inline std::chrono::system_clock::time_point from_unix_seconds(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

inline json charge_to_json(const Charge& charge) {
  return {{"id", charge.id},
          {"amount", charge.amount},
          {"amount_captured", charge.amount_captured},
          {"amount_refunded", charge.amount_refunded},
          {"currency", charge.currency},
          {"status", charge.status},
          {"paid", charge.paid},
          {"captured", charge.captured},
          {"refunded", charge.refunded},
          {"customer", charge.customer},
          {"description", charge.description},
          {"metadata", charge.metadata},
          {"created", to_unix_seconds(charge.created)}};
}

inline Charge charge_from_json(const json& object) {
  Charge charge;
  charge.id = object.at("id").get<std::string>();
  charge.amount = object.at("amount").get<std::int64_t>();
  charge.amount_captured = object.at("amount_captured").get<std::int64_t>();
  charge.amount_refunded = object.at("amount_refunded").get<std::int64_t>();
  charge.currency = object.at("currency").get<std::string>();
  charge.status = object.at("status").get<std::string>();
  charge.paid = object.at("paid").get<bool>();
  charge.captured = object.at("captured").get<bool>();
  charge.refunded = object.at("refunded").get<bool>();
  charge.customer = object.at("customer").get<std::string>();
  charge.description = object.at("description").get<std::string>();
  charge.metadata = object.at("metadata").get<Metadata>();
  charge.created = from_unix_seconds(object.at("created").get<std::int64_t>());
  charge.raw_json = charge_to_json(charge).dump();
  return charge;
}

inline json refund_to_json(const Refund& refund) {
  return {{"id", refund.id},
          {"amount", refund.amount},
          {"currency", refund.currency},
          {"charge", refund.charge},
          {"status", refund.status},
          {"reason", refund.reason},
          {"metadata", refund.metadata},
          {"created", to_unix_seconds(refund.created)}};
}

inline Refund refund_from_json(const json& object) {
  Refund refund;
  refund.id = object.at("id").get<std::string>();
  refund.amount = object.at("amount").get<std::int64_t>();
  refund.currency = object.at("currency").get<std::string>();
  refund.charge = object.at("charge").get<std::string>();
  refund.status = object.at("status").get<std::string>();
  refund.reason = object.at("reason").get<std::string>();
  refund.metadata = object.at("metadata").get<Metadata>();
  refund.created = from_unix_seconds(object.at("created").get<std::int64_t>());
  refund.raw_json = refund_to_json(refund).dump();
  return refund;
}

/// Replay is the first successful result of an idempotency key and the request it came from.
struct Replay {
  /// The operation and its parameters, to detect a key reused for another request.
  std::string fingerprint;
  std::optional<Charge> charge;
  std::optional<Refund> refund;
};

/// State is every object the stub has made, keyed by connected account ("" for the platform)
/// and then by id.
struct State {
  int next_charge = 1;
  int next_refund = 1;
  int next_request = 1;
  std::map<std::string, std::map<std::string, Charge>> charges;
  std::map<std::string, std::map<std::string, Refund>> refunds;
  std::map<std::string, Replay> replays;

  json to_json() const {
    json document = {{"next_charge", next_charge},   {"next_refund", next_refund},
                     {"next_request", next_request}, {"charges", json::object()},
                     {"refunds", json::object()},    {"replays", json::object()}};
    for (const auto& [account, by_id] : charges) {
      for (const auto& [id, charge] : by_id)
        document["charges"][account][id] = charge_to_json(charge);
    }
    for (const auto& [account, by_id] : refunds) {
      for (const auto& [id, refund] : by_id)
        document["refunds"][account][id] = refund_to_json(refund);
    }
    for (const auto& [key, replay] : replays) {
      json entry = {{"fingerprint", replay.fingerprint}};
      if (replay.charge) entry["charge"] = charge_to_json(*replay.charge);
      if (replay.refund) entry["refund"] = refund_to_json(*replay.refund);
      document["replays"][key] = entry;
    }
    return document;
  }

  static State from_json(const json& document) {
    State state;
    state.next_charge = document.at("next_charge").get<int>();
    state.next_refund = document.at("next_refund").get<int>();
    state.next_request = document.at("next_request").get<int>();
    for (const auto& [account, by_id] : document.at("charges").items()) {
      for (const auto& [id, object] : by_id.items()) {
        state.charges[account][id] = charge_from_json(object);
      }
    }
    for (const auto& [account, by_id] : document.at("refunds").items()) {
      for (const auto& [id, object] : by_id.items()) {
        state.refunds[account][id] = refund_from_json(object);
      }
    }
    for (const auto& [key, entry] : document.at("replays").items()) {
      Replay replay;
      replay.fingerprint = entry.at("fingerprint").get<std::string>();
      if (entry.contains("charge")) replay.charge = charge_from_json(entry.at("charge"));
      if (entry.contains("refund")) replay.refund = refund_from_json(entry.at("refund"));
      state.replays[key] = std::move(replay);
    }
    return state;
  }
};

}  // namespace outbound_stub
