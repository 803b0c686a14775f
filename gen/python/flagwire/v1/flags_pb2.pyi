from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CHANGE_KIND_CUSTOMER_CREATED: ChangeKind
CHANGE_KIND_CUSTOMER_DELETED: ChangeKind
CHANGE_KIND_FEATURE_CREATED: ChangeKind
CHANGE_KIND_FEATURE_DELETED: ChangeKind
CHANGE_KIND_FEATURE_ENABLED_SET: ChangeKind
CHANGE_KIND_FEATURE_RENAMED: ChangeKind
CHANGE_KIND_OVERRIDE_CLEARED: ChangeKind
CHANGE_KIND_OVERRIDE_SET: ChangeKind
CHANGE_KIND_ROLLOUT_CLEARED: ChangeKind
CHANGE_KIND_ROLLOUT_SET: ChangeKind
CHANGE_KIND_SEGMENT_CREATED: ChangeKind
CHANGE_KIND_SEGMENT_DELETED: ChangeKind
CHANGE_KIND_SEGMENT_MEMBERS_ADDED: ChangeKind
CHANGE_KIND_SEGMENT_MEMBERS_REMOVED: ChangeKind
CHANGE_KIND_SEGMENT_RENAMED: ChangeKind
CHANGE_KIND_SEGMENT_RULE_CLEARED: ChangeKind
CHANGE_KIND_SEGMENT_RULE_SET: ChangeKind
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_USER_CREATED: ChangeKind
CHANGE_KIND_USER_DELETED: ChangeKind
CUSTOMER_FEATURE_FILTER_ENABLED: CustomerFeatureFilter
CUSTOMER_FEATURE_FILTER_EXPLICITLY_DISABLED: CustomerFeatureFilter
CUSTOMER_FEATURE_FILTER_EXPLICITLY_ENABLED: CustomerFeatureFilter
CUSTOMER_FEATURE_FILTER_UNSPECIFIED: CustomerFeatureFilter
DESCRIPTOR: _descriptor.FileDescriptor
EVALUATION_REASON_CUSTOMER_OVERRIDE: EvaluationReason
EVALUATION_REASON_DEFAULT: EvaluationReason
EVALUATION_REASON_DEFAULT_NO_STICKINESS_ID: EvaluationReason
EVALUATION_REASON_ROLLOUT: EvaluationReason
EVALUATION_REASON_SEGMENT: EvaluationReason
EVALUATION_REASON_UNSPECIFIED: EvaluationReason
EVALUATION_REASON_USER_OVERRIDE: EvaluationReason
OVERRIDE_TARGET_KIND_CUSTOMER: OverrideTargetKind
OVERRIDE_TARGET_KIND_UNSPECIFIED: OverrideTargetKind
OVERRIDE_TARGET_KIND_USER: OverrideTargetKind
ROLLOUT_STICKINESS_CUSTOMER: RolloutStickiness
ROLLOUT_STICKINESS_UNSPECIFIED: RolloutStickiness
ROLLOUT_STICKINESS_USER: RolloutStickiness
STALE_REASON_NOT_EVALUATED: StaleReason
STALE_REASON_UNIFORM: StaleReason
STALE_REASON_UNSPECIFIED: StaleReason

class AddSegmentMembersRequest(_message.Message):
    __slots__ = ["customer_ids", "segment", "user_ids"]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    segment: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, segment: _Optional[str] = ..., customer_ids: _Optional[_Iterable[str]] = ..., user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AddSegmentMembersResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class Change(_message.Message):
    __slots__ = ["actor", "customer_id", "description", "enabled", "feature", "kind", "member_customer_ids", "member_user_ids", "new_name", "revision", "rollout", "salt", "segment", "target", "time"]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MEMBER_CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEW_NAME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    actor: str
    customer_id: str
    description: str
    enabled: bool
    feature: str
    kind: ChangeKind
    member_customer_ids: _containers.RepeatedScalarFieldContainer[str]
    member_user_ids: _containers.RepeatedScalarFieldContainer[str]
    new_name: str
    revision: int
    rollout: Rollout
    salt: str
    segment: str
    target: Target
    time: _timestamp_pb2.Timestamp
    def __init__(self, revision: _Optional[int] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[ChangeKind, str]] = ..., feature: _Optional[str] = ..., target: _Optional[_Union[Target, _Mapping]] = ..., enabled: bool = ..., new_name: _Optional[str] = ..., description: _Optional[str] = ..., customer_id: _Optional[str] = ..., actor: _Optional[str] = ..., segment: _Optional[str] = ..., rollout: _Optional[_Union[Rollout, _Mapping]] = ..., member_customer_ids: _Optional[_Iterable[str]] = ..., member_user_ids: _Optional[_Iterable[str]] = ..., salt: _Optional[str] = ...) -> None: ...

class ClearOverrideRequest(_message.Message):
    __slots__ = ["feature", "target"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    feature: str
    target: Target
    def __init__(self, feature: _Optional[str] = ..., target: _Optional[_Union[Target, _Mapping]] = ...) -> None: ...

class ClearOverrideResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class ClearRolloutRequest(_message.Message):
    __slots__ = ["feature"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    feature: str
    def __init__(self, feature: _Optional[str] = ...) -> None: ...

class ClearRolloutResponse(_message.Message):
    __slots__ = ["feature", "revision"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    revision: int
    def __init__(self, feature: _Optional[_Union[Feature, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class ClearSegmentRuleRequest(_message.Message):
    __slots__ = ["feature", "segment"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    feature: str
    segment: str
    def __init__(self, feature: _Optional[str] = ..., segment: _Optional[str] = ...) -> None: ...

class ClearSegmentRuleResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class ContextEvaluation(_message.Message):
    __slots__ = ["enabled", "reason", "segment"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    reason: EvaluationReason
    segment: str
    def __init__(self, enabled: bool = ..., reason: _Optional[_Union[EvaluationReason, str]] = ..., segment: _Optional[str] = ...) -> None: ...

class CreateCustomerRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CreateCustomerResponse(_message.Message):
    __slots__ = ["customer", "revision"]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    revision: int
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class CreateFeatureRequest(_message.Message):
    __slots__ = ["description", "enabled", "name"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    description: str
    enabled: bool
    name: str
    def __init__(self, name: _Optional[str] = ..., enabled: bool = ..., description: _Optional[str] = ...) -> None: ...

class CreateFeatureResponse(_message.Message):
    __slots__ = ["feature", "revision"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    revision: int
    def __init__(self, feature: _Optional[_Union[Feature, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class CreateSegmentRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateSegmentResponse(_message.Message):
    __slots__ = ["revision", "segment"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    revision: int
    segment: Segment
    def __init__(self, segment: _Optional[_Union[Segment, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class CreateUserRequest(_message.Message):
    __slots__ = ["customer_id", "id"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    id: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class CreateUserResponse(_message.Message):
    __slots__ = ["revision", "user"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    revision: int
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ["create_time", "id"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    id: str
    def __init__(self, id: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteCustomerRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteCustomerResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class DeleteFeatureRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteFeatureResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class DeleteSegmentRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteSegmentResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class DeleteUserRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteUserResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class EvaluateAllRequest(_message.Message):
    __slots__ = ["customer_id", "user_id"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    user_id: str
    def __init__(self, customer_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class EvaluateAllResponse(_message.Message):
    __slots__ = ["evaluations", "revision"]
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    evaluations: _containers.RepeatedCompositeFieldContainer[FeatureEvaluation]
    revision: int
    def __init__(self, evaluations: _Optional[_Iterable[_Union[FeatureEvaluation, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class EvaluateBatchRequest(_message.Message):
    __slots__ = ["contexts", "feature"]
    CONTEXTS_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    contexts: _containers.RepeatedCompositeFieldContainer[EvaluationContext]
    feature: str
    def __init__(self, feature: _Optional[str] = ..., contexts: _Optional[_Iterable[_Union[EvaluationContext, _Mapping]]] = ...) -> None: ...

class EvaluateBatchResponse(_message.Message):
    __slots__ = ["results", "revision"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ContextEvaluation]
    revision: int
    def __init__(self, results: _Optional[_Iterable[_Union[ContextEvaluation, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class EvaluateRequest(_message.Message):
    __slots__ = ["customer_id", "feature", "user_id"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    feature: str
    user_id: str
    def __init__(self, feature: _Optional[str] = ..., customer_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class EvaluateResponse(_message.Message):
    __slots__ = ["enabled", "reason", "revision", "segment"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    reason: EvaluationReason
    revision: int
    segment: str
    def __init__(self, enabled: bool = ..., reason: _Optional[_Union[EvaluationReason, str]] = ..., revision: _Optional[int] = ..., segment: _Optional[str] = ...) -> None: ...

class EvaluationContext(_message.Message):
    __slots__ = ["customer_id", "user_id"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    user_id: str
    def __init__(self, customer_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class Feature(_message.Message):
    __slots__ = ["create_time", "customer_override_count", "description", "enabled", "evaluations_30d", "evaluations_7d", "evaluations_today", "last_change_actor", "last_change_revision", "last_change_time", "last_evaluate_time", "name", "override_off_count", "override_on_count", "rollout", "salt", "segment_rules", "stale_reasons", "update_time", "user_override_count"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_OVERRIDE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_30D_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_7D_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_TODAY_FIELD_NUMBER: _ClassVar[int]
    LAST_CHANGE_ACTOR_FIELD_NUMBER: _ClassVar[int]
    LAST_CHANGE_REVISION_FIELD_NUMBER: _ClassVar[int]
    LAST_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_EVALUATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_OFF_COUNT_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_ON_COUNT_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_RULES_FIELD_NUMBER: _ClassVar[int]
    STALE_REASONS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    USER_OVERRIDE_COUNT_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    customer_override_count: int
    description: str
    enabled: bool
    evaluations_30d: int
    evaluations_7d: int
    evaluations_today: int
    last_change_actor: str
    last_change_revision: int
    last_change_time: _timestamp_pb2.Timestamp
    last_evaluate_time: _timestamp_pb2.Timestamp
    name: str
    override_off_count: int
    override_on_count: int
    rollout: Rollout
    salt: str
    segment_rules: _containers.RepeatedCompositeFieldContainer[SegmentRule]
    stale_reasons: _containers.RepeatedScalarFieldContainer[StaleReason]
    update_time: _timestamp_pb2.Timestamp
    user_override_count: int
    def __init__(self, name: _Optional[str] = ..., enabled: bool = ..., description: _Optional[str] = ..., customer_override_count: _Optional[int] = ..., user_override_count: _Optional[int] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., rollout: _Optional[_Union[Rollout, _Mapping]] = ..., salt: _Optional[str] = ..., segment_rules: _Optional[_Iterable[_Union[SegmentRule, _Mapping]]] = ..., override_on_count: _Optional[int] = ..., override_off_count: _Optional[int] = ..., last_change_revision: _Optional[int] = ..., last_change_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_change_actor: _Optional[str] = ..., last_evaluate_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., evaluations_today: _Optional[int] = ..., evaluations_7d: _Optional[int] = ..., evaluations_30d: _Optional[int] = ..., stale_reasons: _Optional[_Iterable[_Union[StaleReason, str]]] = ...) -> None: ...

class FeatureEvaluation(_message.Message):
    __slots__ = ["deleted", "enabled", "feature", "reason", "segment"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    enabled: bool
    feature: str
    reason: EvaluationReason
    segment: str
    def __init__(self, feature: _Optional[str] = ..., enabled: bool = ..., reason: _Optional[_Union[EvaluationReason, str]] = ..., deleted: bool = ..., segment: _Optional[str] = ...) -> None: ...

class GetFeatureRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetFeatureResponse(_message.Message):
    __slots__ = ["feature", "revision"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    revision: int
    def __init__(self, feature: _Optional[_Union[Feature, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class GetSegmentRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSegmentResponse(_message.Message):
    __slots__ = ["revision", "rules", "segment"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    revision: int
    rules: _containers.RepeatedCompositeFieldContainer[SegmentRule]
    segment: Segment
    def __init__(self, segment: _Optional[_Union[Segment, _Mapping]] = ..., revision: _Optional[int] = ..., rules: _Optional[_Iterable[_Union[SegmentRule, _Mapping]]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ["revision", "time"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    revision: int
    time: _timestamp_pb2.Timestamp
    def __init__(self, revision: _Optional[int] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListChangesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "since_revision"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SINCE_REVISION_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    since_revision: int
    def __init__(self, since_revision: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChangesResponse(_message.Message):
    __slots__ = ["changes", "next_page_token", "pruned_through_revision", "revision"]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PRUNED_THROUGH_REVISION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[Change]
    next_page_token: str
    pruned_through_revision: int
    revision: int
    def __init__(self, changes: _Optional[_Iterable[_Union[Change, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ..., pruned_through_revision: _Optional[int] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "query"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    query: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ["customers", "next_page_token", "revision"]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[Customer]
    next_page_token: str
    revision: int
    def __init__(self, customers: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListCustomersWithFeatureRequest(_message.Message):
    __slots__ = ["feature", "filter", "page_size", "page_token"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    feature: str
    filter: CustomerFeatureFilter
    page_size: int
    page_token: str
    def __init__(self, feature: _Optional[str] = ..., filter: _Optional[_Union[CustomerFeatureFilter, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCustomersWithFeatureResponse(_message.Message):
    __slots__ = ["customer_ids", "next_page_token", "revision"]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    revision: int
    def __init__(self, customer_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListFeatureOverridesRequest(_message.Message):
    __slots__ = ["feature", "page_size", "page_token", "query", "target_kind"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TARGET_KIND_FIELD_NUMBER: _ClassVar[int]
    feature: str
    page_size: int
    page_token: str
    query: str
    target_kind: OverrideTargetKind
    def __init__(self, feature: _Optional[str] = ..., target_kind: _Optional[_Union[OverrideTargetKind, str]] = ..., query: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFeatureOverridesResponse(_message.Message):
    __slots__ = ["next_page_token", "overrides", "revision"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    overrides: _containers.RepeatedCompositeFieldContainer[Override]
    revision: int
    def __init__(self, overrides: _Optional[_Iterable[_Union[Override, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListFeaturesForCustomerRequest(_message.Message):
    __slots__ = ["customer_id", "page_size", "page_token"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFeaturesForCustomerResponse(_message.Message):
    __slots__ = ["features", "next_page_token", "revision"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    revision: int
    def __init__(self, features: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListFeaturesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "query", "stale_days"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    STALE_DAYS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    query: str
    stale_days: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ..., stale_days: _Optional[int] = ...) -> None: ...

class ListFeaturesResponse(_message.Message):
    __slots__ = ["features", "next_page_token", "revision"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedCompositeFieldContainer[Feature]
    next_page_token: str
    revision: int
    def __init__(self, features: _Optional[_Iterable[_Union[Feature, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListSegmentMembersRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "segment"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    segment: str
    def __init__(self, segment: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentMembersResponse(_message.Message):
    __slots__ = ["members", "next_page_token", "revision"]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Target]
    next_page_token: str
    revision: int
    def __init__(self, members: _Optional[_Iterable[_Union[Target, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListSegmentsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSegmentsResponse(_message.Message):
    __slots__ = ["next_page_token", "revision", "segments"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    revision: int
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    def __init__(self, segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ListUsersRequest(_message.Message):
    __slots__ = ["customer_id", "page_size", "page_token", "query"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page_size: int
    page_token: str
    query: str
    def __init__(self, customer_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class ListUsersResponse(_message.Message):
    __slots__ = ["next_page_token", "revision", "users"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    revision: int
    users: _containers.RepeatedCompositeFieldContainer[User]
    def __init__(self, users: _Optional[_Iterable[_Union[User, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class Override(_message.Message):
    __slots__ = ["enabled", "feature", "target"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    feature: str
    target: Target
    def __init__(self, feature: _Optional[str] = ..., target: _Optional[_Union[Target, _Mapping]] = ..., enabled: bool = ...) -> None: ...

class RemoveSegmentMembersRequest(_message.Message):
    __slots__ = ["customer_ids", "segment", "user_ids"]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    segment: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, segment: _Optional[str] = ..., customer_ids: _Optional[_Iterable[str]] = ..., user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveSegmentMembersResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class RenameFeatureRequest(_message.Message):
    __slots__ = ["name", "new_name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEW_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    new_name: str
    def __init__(self, name: _Optional[str] = ..., new_name: _Optional[str] = ...) -> None: ...

class RenameFeatureResponse(_message.Message):
    __slots__ = ["feature", "revision"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    revision: int
    def __init__(self, feature: _Optional[_Union[Feature, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class RenameSegmentRequest(_message.Message):
    __slots__ = ["name", "new_name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NEW_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    new_name: str
    def __init__(self, name: _Optional[str] = ..., new_name: _Optional[str] = ...) -> None: ...

class RenameSegmentResponse(_message.Message):
    __slots__ = ["revision", "segment"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    revision: int
    segment: Segment
    def __init__(self, segment: _Optional[_Union[Segment, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class Rollout(_message.Message):
    __slots__ = ["basis_points", "stickiness"]
    BASIS_POINTS_FIELD_NUMBER: _ClassVar[int]
    STICKINESS_FIELD_NUMBER: _ClassVar[int]
    basis_points: int
    stickiness: RolloutStickiness
    def __init__(self, basis_points: _Optional[int] = ..., stickiness: _Optional[_Union[RolloutStickiness, str]] = ...) -> None: ...

class SearchChangesRequest(_message.Message):
    __slots__ = ["actor", "feature", "kinds", "page_size", "page_token"]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: str
    feature: str
    kinds: _containers.RepeatedScalarFieldContainer[ChangeKind]
    page_size: int
    page_token: str
    def __init__(self, feature: _Optional[str] = ..., actor: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[ChangeKind, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchChangesResponse(_message.Message):
    __slots__ = ["changes", "next_page_token", "revision"]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[Change]
    next_page_token: str
    revision: int
    def __init__(self, changes: _Optional[_Iterable[_Union[Change, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class Segment(_message.Message):
    __slots__ = ["create_time", "customer_count", "name", "rule_count", "user_count"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_COUNT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RULE_COUNT_FIELD_NUMBER: _ClassVar[int]
    USER_COUNT_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    customer_count: int
    name: str
    rule_count: int
    user_count: int
    def __init__(self, name: _Optional[str] = ..., customer_count: _Optional[int] = ..., user_count: _Optional[int] = ..., rule_count: _Optional[int] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SegmentMembership(_message.Message):
    __slots__ = ["member", "segment"]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    member: Target
    segment: str
    def __init__(self, segment: _Optional[str] = ..., member: _Optional[_Union[Target, _Mapping]] = ...) -> None: ...

class SegmentRule(_message.Message):
    __slots__ = ["enabled", "feature", "segment"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    feature: str
    segment: str
    def __init__(self, feature: _Optional[str] = ..., segment: _Optional[str] = ..., enabled: bool = ...) -> None: ...

class SetFeatureEnabledRequest(_message.Message):
    __slots__ = ["enabled", "name"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    name: str
    def __init__(self, name: _Optional[str] = ..., enabled: bool = ...) -> None: ...

class SetFeatureEnabledResponse(_message.Message):
    __slots__ = ["feature", "revision"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    revision: int
    def __init__(self, feature: _Optional[_Union[Feature, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class SetOverrideRequest(_message.Message):
    __slots__ = ["enabled", "feature", "target"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    feature: str
    target: Target
    def __init__(self, feature: _Optional[str] = ..., target: _Optional[_Union[Target, _Mapping]] = ..., enabled: bool = ...) -> None: ...

class SetOverrideResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class SetRolloutRequest(_message.Message):
    __slots__ = ["feature", "rollout"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    feature: str
    rollout: Rollout
    def __init__(self, feature: _Optional[str] = ..., rollout: _Optional[_Union[Rollout, _Mapping]] = ...) -> None: ...

class SetRolloutResponse(_message.Message):
    __slots__ = ["feature", "revision"]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    feature: Feature
    revision: int
    def __init__(self, feature: _Optional[_Union[Feature, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class SetSegmentRuleRequest(_message.Message):
    __slots__ = ["enabled", "feature", "segment"]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    feature: str
    segment: str
    def __init__(self, feature: _Optional[str] = ..., segment: _Optional[str] = ..., enabled: bool = ...) -> None: ...

class SetSegmentRuleResponse(_message.Message):
    __slots__ = ["revision"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    revision: int
    def __init__(self, revision: _Optional[int] = ...) -> None: ...

class SnapshotChunk(_message.Message):
    __slots__ = ["customer_ids", "features", "index", "last", "overrides", "revision", "segment_members", "segment_rules", "segments", "users"]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_RULES_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    features: _containers.RepeatedCompositeFieldContainer[Feature]
    index: int
    last: bool
    overrides: _containers.RepeatedCompositeFieldContainer[Override]
    revision: int
    segment_members: _containers.RepeatedCompositeFieldContainer[SegmentMembership]
    segment_rules: _containers.RepeatedCompositeFieldContainer[SegmentRule]
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    users: _containers.RepeatedCompositeFieldContainer[User]
    def __init__(self, revision: _Optional[int] = ..., index: _Optional[int] = ..., last: bool = ..., features: _Optional[_Iterable[_Union[Feature, _Mapping]]] = ..., customer_ids: _Optional[_Iterable[str]] = ..., users: _Optional[_Iterable[_Union[User, _Mapping]]] = ..., overrides: _Optional[_Iterable[_Union[Override, _Mapping]]] = ..., segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., segment_members: _Optional[_Iterable[_Union[SegmentMembership, _Mapping]]] = ..., segment_rules: _Optional[_Iterable[_Union[SegmentRule, _Mapping]]] = ...) -> None: ...

class Target(_message.Message):
    __slots__ = ["customer_id", "user_id"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    user_id: str
    def __init__(self, customer_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ["create_time", "customer_id", "id"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    customer_id: str
    id: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchChangesRequest(_message.Message):
    __slots__ = ["features", "include_snapshot", "since_revision"]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    SINCE_REVISION_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedScalarFieldContainer[str]
    include_snapshot: bool
    since_revision: int
    def __init__(self, since_revision: _Optional[int] = ..., features: _Optional[_Iterable[str]] = ..., include_snapshot: bool = ...) -> None: ...

class WatchChangesResponse(_message.Message):
    __slots__ = ["change", "heartbeat", "snapshot"]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    change: Change
    heartbeat: Heartbeat
    snapshot: SnapshotChunk
    def __init__(self, change: _Optional[_Union[Change, _Mapping]] = ..., snapshot: _Optional[_Union[SnapshotChunk, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class WatchEvaluationRequest(_message.Message):
    __slots__ = ["customer_id", "features", "user_id"]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    features: _containers.RepeatedScalarFieldContainer[str]
    user_id: str
    def __init__(self, features: _Optional[_Iterable[str]] = ..., customer_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class WatchEvaluationResponse(_message.Message):
    __slots__ = ["evaluations", "heartbeat", "revision"]
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    evaluations: _containers.RepeatedCompositeFieldContainer[FeatureEvaluation]
    heartbeat: Heartbeat
    revision: int
    def __init__(self, evaluations: _Optional[_Iterable[_Union[FeatureEvaluation, _Mapping]]] = ..., revision: _Optional[int] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class RolloutStickiness(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class EvaluationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CustomerFeatureFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class StaleReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class OverrideTargetKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
