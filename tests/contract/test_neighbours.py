"""The neighbouring calls a create form makes (VPC, subnets, security groups, key pairs, IAM token), through their SDKs."""

from __future__ import annotations

import pytest
from huaweicloudsdkecs.v2 import NovaListKeypairsRequest, NovaListKeypairsResponse
from huaweicloudsdkiam.v3 import (
    AuthScope,
    AuthScopeProject,
    KeystoneCreateUserTokenByPasswordRequest,
    KeystoneCreateUserTokenByPasswordRequestBody,
    KeystoneCreateUserTokenByPasswordResponse,
    PwdAuth,
    PwdIdentity,
    PwdPassword,
    PwdPasswordUser,
    PwdPasswordUserDomain,
)
from huaweicloudsdkvpc.v2 import (
    ListSecurityGroupsRequest,
    ListSecurityGroupsResponse,
    ListSubnetsRequest,
    ListSubnetsResponse,
    ListVpcsRequest,
    ListVpcsResponse,
)

from modelarts_emulator import catalogue
from tests.contract.sdk import SdkClients, assert_wire_matches
from tests.fixtures.emulator import EmulatorHandle

pytestmark = pytest.mark.contract


def test_vpcs_subnets_and_security_groups_answer_the_vpc_sdk_shapes(sdk: SdkClients) -> None:
    vpcs = sdk.vpc.list_vpcs(ListVpcsRequest())
    subnets = sdk.vpc.list_subnets(ListSubnetsRequest(vpc_id=catalogue.SEED_VPC_ID))
    groups = sdk.vpc.list_security_groups(ListSecurityGroupsRequest(vpc_id=catalogue.SEED_VPC_ID))

    assert_wire_matches(vpcs, ListVpcsResponse)
    assert_wire_matches(subnets, ListSubnetsResponse)
    assert_wire_matches(groups, ListSecurityGroupsResponse)
    assert catalogue.SEED_VPC_ID in {vpc.id for vpc in vpcs.vpcs}
    assert catalogue.SEED_SUBNET_ID in {subnet.id for subnet in subnets.subnets}
    assert {subnet.vpc_id for subnet in subnets.subnets} == {catalogue.SEED_VPC_ID}
    assert catalogue.SEED_SECURITY_GROUP_ID in {group.id for group in groups.security_groups}


# The SDK marks the nova call deprecated; it is still the path the product calls.
@pytest.mark.filterwarnings(
    "ignore:Method 'nova_list_keypairs' of EcsClient is deprecated:DeprecationWarning"
)
def test_key_pairs_answer_the_ecs_sdk_shape(sdk: SdkClients) -> None:
    answer = sdk.ecs.nova_list_keypairs(NovaListKeypairsRequest())

    assert_wire_matches(answer, NovaListKeypairsResponse)
    assert {entry.keypair.name for entry in answer.keypairs} == {"KeyPair-dev", "KeyPair-ci"}


def test_a_password_token_answers_the_iam_sdk_shape(sdk: SdkClients, emulator: EmulatorHandle) -> None:
    user = PwdPasswordUser(
        domain=PwdPasswordUserDomain(name=emulator.iam_domain),
        name=emulator.iam_user,
        password=emulator.iam_password,
    )
    body = KeystoneCreateUserTokenByPasswordRequestBody(
        auth=PwdAuth(
            identity=PwdIdentity(methods=["password"], password=PwdPassword(user=user)),
            scope=AuthScope(project=AuthScopeProject(id=emulator.project_id)),
        )
    )

    answer = sdk.iam.keystone_create_user_token_by_password(
        KeystoneCreateUserTokenByPasswordRequest(body=body)
    )

    assert_wire_matches(answer, KeystoneCreateUserTokenByPasswordResponse)
    assert answer.x_subject_token
    assert answer.token.project.id == emulator.project_id
    assert answer.token.methods == ["password"]
