"""A gRPC client in another language: Python's grpcio (the C core) with the stubs generated from the
contract (gen/python, on PYTHONPATH). Runs the classic workflow, evaluations with their reasons and a
WatchChanges resume by revision against a flagwire server, and prints what it saw as one JSON document;
test/support/polyglot-workflow.ts checks it (go_client/main.go prints the same document).

usage: PYTHONPATH=gen/python python3 python_client.py HOST:PORT
"""
import json
import sys

import grpc
from google.protobuf import json_format

from flagwire.v1 import flags_pb2 as pb
from flagwire.v1 import flags_pb2_grpc

METADATA = (("x-flagwire-actor", "python-client"),)
TIMEOUT = 10

channel = grpc.insecure_channel(sys.argv[1])
flags = flags_pb2_grpc.FeatureFlagServiceStub(channel)


def call(method, request):
    return method(request, metadata=METADATA, timeout=TIMEOUT)


def as_dict(message):
    return json_format.MessageToDict(message, including_default_value_fields=True)


def watch_message(response):
    """A stream message as the test compares it: its change, or the heartbeat's revision."""
    if response.HasField("change"):
        return {"change": as_dict(response.change)}
    return {"heartbeat": str(response.heartbeat.revision)}


def customer(id):
    return pb.Target(customer_id=id)


def user(id):
    return pb.Target(user_id=id)


out = {}
# A first watcher, from the start: it sees the workflow's writes live, then drops out.
first = call(flags.WatchChanges, pb.WatchChangesRequest(since_revision=0))
out["first_stream_start"] = watch_message(next(first))

call(flags.CreateFeature, pb.CreateFeatureRequest(name="dashboard", enabled=True))
call(flags.CreateCustomer, pb.CreateCustomerRequest(id="101"))
call(flags.CreateCustomer, pb.CreateCustomerRequest(id="202"))
call(flags.CreateUser, pb.CreateUserRequest(id="456", customer_id="202"))
call(flags.SetOverride, pb.SetOverrideRequest(feature="dashboard", target=customer("101"), enabled=False))
call(flags.SetOverride, pb.SetOverrideRequest(feature="dashboard", target=user("456"), enabled=False))
out["first_stream"] = [watch_message(next(first)) for _ in range(6)]
first.cancel()

out["features_for_101"] = as_dict(call(flags.ListFeaturesForCustomer, pb.ListFeaturesForCustomerRequest(customer_id="101")))
out["features_for_202"] = as_dict(call(flags.ListFeaturesForCustomer, pb.ListFeaturesForCustomerRequest(customer_id="202")))
out["customers_with"] = as_dict(call(flags.ListCustomersWithFeature, pb.ListCustomersWithFeatureRequest(feature="dashboard")))
out["explicitly_disabled"] = as_dict(
    call(
        flags.ListCustomersWithFeature,
        pb.ListCustomersWithFeatureRequest(feature="dashboard", filter=pb.CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED),
    )
)
out["evaluate_customer_101"] = as_dict(call(flags.Evaluate, pb.EvaluateRequest(feature="dashboard", customer_id="101")))
out["evaluate_user_456"] = as_dict(call(flags.Evaluate, pb.EvaluateRequest(feature="dashboard", user_id="456")))
out["evaluate_customer_202"] = as_dict(call(flags.Evaluate, pb.EvaluateRequest(feature="dashboard", customer_id="202")))
try:
    call(flags.Evaluate, pb.EvaluateRequest(feature="dashbord"))
except grpc.RpcError as err:
    out["not_found"] = {"code": err.code().name, "details": err.details()}

# Remove: the user's override, then customer 101 with its override.
call(flags.ClearOverride, pb.ClearOverrideRequest(feature="dashboard", target=user("456")))
call(flags.DeleteCustomer, pb.DeleteCustomerRequest(id="101"))
out["evaluate_user_456_cleared"] = as_dict(call(flags.Evaluate, pb.EvaluateRequest(feature="dashboard", user_id="456")))
out["customers_left"] = as_dict(call(flags.ListCustomers, pb.ListCustomersRequest()))
out["explicitly_disabled_left"] = as_dict(
    call(
        flags.ListCustomersWithFeature,
        pb.ListCustomersWithFeatureRequest(feature="dashboard", filter=pb.CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED),
    )
)

# Resume from the last revision the first watcher received: the replay up to a heartbeat, then a live write.
resume_from = int(out["first_stream"][-1]["change"]["revision"])
second = call(flags.WatchChanges, pb.WatchChangesRequest(since_revision=resume_from))
resumed = []
while not resumed or "heartbeat" not in resumed[-1]:
    resumed.append(watch_message(next(second)))
call(flags.SetFeatureEnabled, pb.SetFeatureEnabledRequest(name="dashboard", enabled=False))
resumed.append(watch_message(next(second)))
second.cancel()
out["resumed_from"] = str(resume_from)
out["resumed"] = resumed
print(json.dumps(out))
