package main

import (
	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/proto"
)

// protoCodec (de)serializes with the runtime the stubs were generated for (google.golang.org/protobuf).
// Debian bookworm's grpc-go 1.33 registers a "proto" codec built on github.com/golang/protobuf, and its
// golang-github-golang-protobuf-1-3-dev (1.3.5) cannot handle protoc-gen-go 1.28's messages: it panics
// with "protobuf tag not enough fields in WatchChangesResponse.state". golang-github-golang-protobuf-1-5-dev
// would, but it conflicts with the 1.3 package; registering this codec works with either.
type protoCodec struct{}

func (protoCodec) Marshal(v interface{}) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }
func (protoCodec) Unmarshal(data []byte, v interface{}) error {
	return proto.Unmarshal(data, v.(proto.Message))
}
func (protoCodec) Name() string { return "proto" }

func init() { encoding.RegisterCodec(protoCodec{}) }
