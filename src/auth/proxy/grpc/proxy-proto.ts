/**
 * The messages of Centrifugo's proxy service as gRPC proxies speak them:
 * package `centrifugal.centrifugo.proxy`, service `CentrifugoProxy`, with
 * the field numbers of centrifugal/centrifugo's internal/proxyproto/
 * proxy.proto for the six proxy kinds switchyard calls (the streaming,
 * cache, channel-state, map and shared-poll methods are left out). Parsed
 * once by protobufjs; names in snake_case, as in the HTTP proxies' JSON.
 */
import protobuf from 'protobufjs';

/** The full name of the service a gRPC proxy backend implements. */
export const PROXY_SERVICE = 'centrifugal.centrifugo.proxy.CentrifugoProxy';

const PROXY_PROTO = `
syntax = "proto3";
package centrifugal.centrifugo.proxy;

message Disconnect { uint32 code = 1; string reason = 2; }
message Error { uint32 code = 1; string message = 2; bool temporary = 3; }
message BoolValue { bool value = 1; }
message SubscribeOptionOverride {
  BoolValue presence = 1; BoolValue join_leave = 2; BoolValue force_recovery = 3; BoolValue force_positioning = 4; BoolValue force_push_join_leave = 5;
}
message SubscribeOptions {
  int64 expire_at = 1; bytes info = 2; string b64info = 3; bytes data = 4; string b64data = 5; SubscribeOptionOverride override = 6;
}

message ConnectRequest {
  string client = 1; string transport = 2; string protocol = 3; string encoding = 4;
  bytes data = 10; string b64data = 11; string name = 12; string version = 13; repeated string channels = 14;
}
message ConnectResult {
  string user = 1; int64 expire_at = 2; bytes info = 3; string b64info = 4; bytes data = 5; string b64data = 6;
  repeated string channels = 7; map<string, SubscribeOptions> subs = 8; bytes meta = 9;
}
message ConnectResponse { ConnectResult result = 1; Error error = 2; Disconnect disconnect = 3; }

message RefreshRequest { string client = 1; string transport = 2; string protocol = 3; string encoding = 4; string user = 10; bytes meta = 11; }
message RefreshResult { bool expired = 1; int64 expire_at = 2; bytes info = 3; string b64info = 4; bytes meta = 5; }
message RefreshResponse { RefreshResult result = 1; Error error = 2; Disconnect disconnect = 3; }

message SubscribeRequest {
  string client = 1; string transport = 2; string protocol = 3; string encoding = 4;
  string user = 10; string channel = 11; string token = 12; bytes meta = 13; bytes data = 14; string b64data = 15;
}
message SubscribeResult {
  int64 expire_at = 1; bytes info = 2; string b64info = 3; bytes data = 4; string b64data = 5; SubscribeOptionOverride override = 6;
}
message SubscribeResponse { SubscribeResult result = 1; Error error = 2; Disconnect disconnect = 3; }

message PublishRequest {
  string client = 1; string transport = 2; string protocol = 3; string encoding = 4;
  string user = 10; string channel = 11; bytes data = 12; string b64data = 13; bytes meta = 14;
}
message PublishResult {
  bytes data = 1; string b64data = 2; bool skip_history = 3; map<string, string> tags = 4; string idempotency_key = 5; bool delta = 6;
}
message PublishResponse { PublishResult result = 1; Error error = 2; Disconnect disconnect = 3; }

message RPCRequest {
  string client = 1; string transport = 2; string protocol = 3; string encoding = 4;
  string user = 10; string method = 11; bytes data = 12; string b64data = 13; bytes meta = 14;
}
message RPCResult { bytes data = 1; string b64data = 2; }
message RPCResponse { RPCResult result = 1; Error error = 2; Disconnect disconnect = 3; }

message SubRefreshRequest {
  string client = 1; string transport = 2; string protocol = 3; string encoding = 4;
  string user = 10; string channel = 11; bytes meta = 12;
}
message SubRefreshResult { bool expired = 1; int64 expire_at = 2; bytes info = 3; string b64info = 4; }
message SubRefreshResponse { SubRefreshResult result = 1; Error error = 2; Disconnect disconnect = 3; }

service CentrifugoProxy {
  rpc Connect(ConnectRequest) returns (ConnectResponse);
  rpc Refresh(RefreshRequest) returns (RefreshResponse);
  rpc Subscribe(SubscribeRequest) returns (SubscribeResponse);
  rpc Publish(PublishRequest) returns (PublishResponse);
  rpc RPC(RPCRequest) returns (RPCResponse);
  rpc SubRefresh(SubRefreshRequest) returns (SubRefreshResponse);
}
`;

const root = protobuf.parse(PROXY_PROTO, { keepCase: true }).root;
root.resolveAll();

/** The proxy root (tests build backends from it). */
export const PROXY_ROOT: protobuf.Root = root;

/** A proxy kind, as the hooks name it. */
export type ProxyMethod = 'connect' | 'refresh' | 'subscribe' | 'publish' | 'rpc' | 'sub_refresh';

/** One proxy method's gRPC name and message types. */
export interface ProxyRpc {
  /** `/centrifugal.centrifugo.proxy.CentrifugoProxy/Connect`. */
  readonly path: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
}

const GRPC_NAMES: Readonly<Record<ProxyMethod, string>> = Object.freeze({
  connect: 'Connect',
  refresh: 'Refresh',
  subscribe: 'Subscribe',
  publish: 'Publish',
  rpc: 'RPC',
  sub_refresh: 'SubRefresh',
});

/** The gRPC method of a proxy kind. */
export function proxyRpc(method: ProxyMethod): ProxyRpc {
  const name = GRPC_NAMES[method];
  const m = root.lookupService(PROXY_SERVICE).methods[name]!;
  return { path: `/${PROXY_SERVICE}/${name}`, requestType: m.resolvedRequestType!, responseType: m.resolvedResponseType! };
}
