/*
 * src/api/grpc/: the server API over gRPC (Centrifugo's `grpc_api`): the
 * api.proto messages switchyard serves, the conversions to and from the
 * HTTP API's JSON shapes, the server (on shard 0), its key check and
 * reflection. The methods themselves are the HTTP API's (../methods.ts).
 */
/**
 * The messages and service of Centrifugo's server API as gRPC carries them:
 * package `centrifugal.centrifugo.api`, service `CentrifugoApi`, with the
 * field numbers of centrifugal/centrifugo's internal/apiproto/api.proto, for
 * the methods switchyard has (the PRO-only ones, push notifications, user
 * status and maps are left out; a client calling them gets UNIMPLEMENTED).
 * Parsed once by protobufjs (reflection; no generated code), names in
 * snake_case as on the wire of the JSON API, so decoded requests have the
 * same shape as HTTP API bodies.
 */
import protobuf from 'protobufjs';

/** The proto package of the server API. */
export const API_PACKAGE = 'centrifugal.centrifugo.api';
/** The full name of the service. */
export const API_SERVICE = `${API_PACKAGE}.CentrifugoApi`;
/** The file name the service's descriptor carries (what reflection clients see). */
export const API_PROTO_FILE = 'api.proto';

const API_PROTO = `
syntax = "proto3";
package ${API_PACKAGE};

message Command {
  PublishRequest publish = 4;
  BroadcastRequest broadcast = 5;
  SubscribeRequest subscribe = 6;
  UnsubscribeRequest unsubscribe = 7;
  DisconnectRequest disconnect = 8;
  PresenceRequest presence = 9;
  PresenceStatsRequest presence_stats = 10;
  HistoryRequest history = 11;
  HistoryRemoveRequest history_remove = 12;
  InfoRequest info = 13;
  RPCRequest rpc = 14;
  RefreshRequest refresh = 15;
  ChannelsRequest channels = 16;
}
message Error { uint32 code = 1; string message = 2; }
message Reply {
  Error error = 2;
  PublishResult publish = 4;
  BroadcastResult broadcast = 5;
  SubscribeResult subscribe = 6;
  UnsubscribeResult unsubscribe = 7;
  DisconnectResult disconnect = 8;
  PresenceResult presence = 9;
  PresenceStatsResult presence_stats = 10;
  HistoryResult history = 11;
  HistoryRemoveResult history_remove = 12;
  InfoResult info = 13;
  RPCResult rpc = 14;
  RefreshResult refresh = 15;
  ChannelsResult channels = 16;
}
message BatchRequest { repeated Command commands = 1; bool parallel = 2; }
message BatchResponse { repeated Reply replies = 1; }

message PublishRequest {
  string channel = 1; bytes data = 2; string b64data = 3; bool skip_history = 4; map<string, string> tags = 5;
  string idempotency_key = 6; bool delta = 7; uint64 version = 8; string version_epoch = 9;
}
message PublishResponse { Error error = 1; PublishResult result = 2; }
message PublishResult { uint64 offset = 1; string epoch = 2; }

message BroadcastRequest {
  repeated string channels = 1; bytes data = 2; string b64data = 3; bool skip_history = 4; map<string, string> tags = 5;
  string idempotency_key = 6; bool delta = 7; uint64 version = 8; string version_epoch = 9;
}
message BroadcastResponse { Error error = 1; BroadcastResult result = 2; }
message BroadcastResult { repeated PublishResponse responses = 1; }

message BoolValue { bool value = 1; }
message SubscribeOptionOverride {
  BoolValue presence = 1; BoolValue join_leave = 2; BoolValue force_recovery = 3; BoolValue force_positioning = 4; BoolValue force_push_join_leave = 5;
}
message StreamPosition { uint64 offset = 1; string epoch = 2; }
message SubscribeRequest {
  string channel = 1; string user = 2; int64 expire_at = 3; bytes info = 4; string b64info = 5; string client = 6;
  bytes data = 7; string b64data = 8; StreamPosition recover_since = 9; SubscribeOptionOverride override = 10; string session = 11;
}
message SubscribeResponse { Error error = 1; SubscribeResult result = 2; }
message SubscribeResult {}

message UnsubscribeRequest { string channel = 1; string user = 2; string client = 3; string session = 4; }
message UnsubscribeResponse { Error error = 1; UnsubscribeResult result = 2; }
message UnsubscribeResult {}

message Disconnect { uint32 code = 1; string reason = 2; }
message DisconnectRequest { string user = 1; Disconnect disconnect = 2; string client = 3; repeated string whitelist = 4; string session = 5; }
message DisconnectResponse { Error error = 1; DisconnectResult result = 2; }
message DisconnectResult {}

message ClientInfo { string user = 1; string client = 2; bytes conn_info = 3; bytes chan_info = 4; }
message PresenceRequest { string channel = 1; }
message PresenceResponse { Error error = 1; PresenceResult result = 2; }
message PresenceResult { map<string, ClientInfo> presence = 1; }

message PresenceStatsRequest { string channel = 1; }
message PresenceStatsResponse { Error error = 1; PresenceStatsResult result = 2; }
message PresenceStatsResult { uint32 num_clients = 1; uint32 num_users = 2; }

message HistoryRequest { string channel = 1; int32 limit = 2; StreamPosition since = 3; bool reverse = 4; }
message HistoryResponse { Error error = 1; HistoryResult result = 2; }
message Publication { bytes data = 2; ClientInfo info = 3; uint64 offset = 4; map<string, string> tags = 5; }
message HistoryResult { repeated Publication publications = 1; string epoch = 2; uint64 offset = 3; }

message HistoryRemoveRequest { string channel = 1; }
message HistoryRemoveResponse { Error error = 1; HistoryRemoveResult result = 2; }
message HistoryRemoveResult {}

message InfoRequest {}
message InfoResponse { Error error = 1; InfoResult result = 2; }
message Metrics { double interval = 1; map<string, double> items = 2; }
message Process { double cpu = 1; int64 rss = 2; }
message NodeResult {
  string uid = 1; string name = 2; string version = 3; uint32 num_clients = 4; uint32 num_users = 5; uint32 num_channels = 6;
  uint32 uptime = 7; Metrics metrics = 8; Process process = 9; uint32 num_subs = 10;
}
message InfoResult { repeated NodeResult nodes = 1; }

message RPCRequest { string method = 1; bytes params = 2; }
message RPCResponse { Error error = 1; RPCResult result = 2; }
message RPCResult { bytes data = 1; }

message RefreshRequest { string user = 1; string client = 2; bool expired = 3; int64 expire_at = 4; bytes info = 5; string session = 6; }
message RefreshResponse { Error error = 1; RefreshResult result = 2; }
message RefreshResult {}

message ChannelsRequest { string pattern = 1; }
message ChannelsResponse { Error error = 1; ChannelsResult result = 2; }
message ChannelInfo { uint32 num_clients = 1; }
message ChannelsResult { map<string, ChannelInfo> channels = 1; }

service CentrifugoApi {
  rpc Batch (BatchRequest) returns (BatchResponse);
  rpc Publish (PublishRequest) returns (PublishResponse);
  rpc Broadcast (BroadcastRequest) returns (BroadcastResponse);
  rpc Subscribe (SubscribeRequest) returns (SubscribeResponse);
  rpc Unsubscribe (UnsubscribeRequest) returns (UnsubscribeResponse);
  rpc Disconnect (DisconnectRequest) returns (DisconnectResponse);
  rpc Presence (PresenceRequest) returns (PresenceResponse);
  rpc PresenceStats (PresenceStatsRequest) returns (PresenceStatsResponse);
  rpc History (HistoryRequest) returns (HistoryResponse);
  rpc HistoryRemove (HistoryRemoveRequest) returns (HistoryRemoveResponse);
  rpc Info (InfoRequest) returns (InfoResponse);
  rpc RPC (RPCRequest) returns (RPCResponse);
  rpc Refresh (RefreshRequest) returns (RefreshResponse);
  rpc Channels (ChannelsRequest) returns (ChannelsResponse);
}
`;

/** The parsed schema (one root; reflection describes it as the file API_PROTO_FILE). */
export const API_ROOT: protobuf.Root = protobuf.parse(API_PROTO, { keepCase: true }).root;
API_ROOT.resolveAll();

/** The service with its methods. */
export const API_SERVICE_TYPE: protobuf.Service = API_ROOT.lookupService(API_SERVICE);

/** A message type of the API by its short name (`PublishRequest`). */
export function apiType(name: string): protobuf.Type {
  return API_ROOT.lookupType(`${API_PACKAGE}.${name}`);
}

/** One gRPC method and the HTTP API method it runs. */
export interface GrpcApiMethod {
  /** The gRPC method name, `Publish`. */
  readonly grpcName: string;
  /** The HTTP API method (`/api/<name>`) and the Command/Reply field: `publish`, `presence_stats`. */
  readonly name: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
}

/** `PresenceStats` → `presence_stats`, `RPC` → `rpc`. */
export function snakeCase(name: string): string {
  return name === 'RPC' ? 'rpc' : name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Every method of the service, in the schema's order. */
export const GRPC_API_METHODS: readonly GrpcApiMethod[] = Object.freeze(
  API_SERVICE_TYPE.methodsArray.map((m) => ({
    grpcName: m.name,
    name: snakeCase(m.name),
    requestType: m.resolvedRequestType!,
    responseType: m.resolvedResponseType!,
  })),
);
