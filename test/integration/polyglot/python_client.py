"""A gRPC client in another language: Python's grpcio (the C core), with messages built from the
contract's descriptor set rather than from the TypeScript code. Runs the classic workflow against a
flagwire server and prints what it saw as one JSON document for the test to check.

usage: python3 python_client.py HOST:PORT DESCRIPTOR_SET
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

address, descriptor_set = sys.argv[1], sys.argv[2]
files = descriptor_pb2.FileDescriptorSet()
with open(descriptor_set, "rb") as f:
    files.ParseFromString(f.read())
pool = descriptor_pool.DescriptorPool()
for file in files.file:
    pool.Add(file)
factory = message_factory.MessageFactory(pool)
service = pool.FindServiceByName("flagwire.v1.FeatureFlagService")
channel = grpc.insecure_channel(address)
METADATA = (("x-flagwire-actor", "python-client"),)


def stub(name):
    method = service.FindMethodByName(name)
    request_class = factory.GetPrototype(method.input_type)
    response_class = factory.GetPrototype(method.output_type)
    path = f"/{service.full_name}/{name}"
    make = channel.unary_stream if method.server_streaming else channel.unary_unary
    call = make(path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_class.FromString)
    return lambda **fields: call(json_format.ParseDict(fields, request_class()), metadata=METADATA, timeout=5)


def as_dict(message):
    return json_format.MessageToDict(message, including_default_value_fields=True)


out = {}
stub("CreateFeature")(name="dashboard", enabled=True)
stub("CreateCustomer")(id="101")
stub("CreateCustomer")(id="202")
stub("SetOverride")(feature="dashboard", target={"customerId": "101"}, enabled=False)
out["features_for_101"] = as_dict(stub("ListFeaturesForCustomer")(customerId="101"))
out["features_for_202"] = as_dict(stub("ListFeaturesForCustomer")(customerId="202"))
out["customers_with"] = as_dict(stub("ListCustomersWithFeature")(feature="dashboard"))
out["explicitly_disabled"] = as_dict(
    stub("ListCustomersWithFeature")(feature="dashboard", filter="CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED")
)
out["evaluate"] = as_dict(stub("Evaluate")(feature="dashboard", customerId="101"))
try:
    stub("Evaluate")(feature="dashbord")
except grpc.RpcError as err:
    out["not_found"] = {"code": err.code().name, "details": err.details()}
stream = stub("WatchChanges")(sinceRevision="0")
out["replayed"] = [as_dict(next(stream).change) for _ in range(4)]
stream.cancel()
print(json.dumps(out))
