"""Standard credentials checked with libraries we did not write: the stored Open Badges 3.0
VC-JWT (PyJWT for RS256, joserfc for EdDSA, keys fetched from our JWKS), the W3C Bitstring
Status List decoded with gzip/base64 here, and the ids a credential names resolving."""

import base64
import gzip
import json
from datetime import datetime
from urllib.parse import urlsplit

import jwt
import pytest
from joserfc import jws
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from certificates.models import Certificate
from core.extensions import db
from tests.certificates.conftest import pass_exam
from tests.factories import api_headers


def local_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "localhost", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fetch_jwks(client, kid_url: str) -> dict:
    """Resolve a JWT header kid over HTTP: the JWKS URL, key id as fragment."""
    assert "#" in kid_url
    response = client.get(local_path(kid_url.split("#")[0]))
    assert response.status_code == 200
    return response.get_json()


def rs256_claims(client, token: str) -> dict:
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    keys = jwt.PyJWKSet.from_dict(fetch_jwks(client, header["kid"]))
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    return jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_aud": False})


def bit(encoded: str, index: int) -> int:
    assert encoded.startswith("u")  # multibase base64url
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= 131_072
    return (raw[index // 8] >> (7 - index % 8)) & 1


def test_stored_credential_verifies_with_independent_libraries(client, trainee, certificate):
    url = f"/api/v1/certificates/{certificate.serial}/credential"
    response = client.get(url)  # public
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vc+jwt")
    token = response.get_data(as_text=True)
    assert client.get(url + "?format=json").get_json() == {"credential": token}
    db.session.refresh(certificate)
    assert token == certificate.credential_jwt  # served as stored, not signed afresh
    claims = rs256_claims(client, token)
    vc = claims["vc"]
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "OpenBadgeCredential" in vc["type"] and "VerifiableCredential" in vc["type"]
    assert claims["iss"] == vc["issuer"]["id"] and claims["jti"] == vc["id"]
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert claims["sub"].startswith("urn:uuid:")
    assert claims["nbf"] == int(datetime.fromisoformat(vc["validFrom"]).timestamp())
    assert "exp" not in claims and "validUntil" not in vc  # skill_level does not expire
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["criteria"]["narrative"]
    assert subject["achievement"]["fieldOfStudy"] == "4-01-02-07"
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    # every id the credential names resolves publicly
    assert client.get(local_path(vc["id"])).status_code == 200
    profile = client.get(local_path(vc["issuer"]["id"])).get_json()
    assert "Profile" in profile["type"] and profile["id"] == vc["issuer"]["id"]
    achievement = client.get(local_path(subject["achievement"]["id"])).get_json()
    assert achievement["id"] == subject["achievement"]["id"]
    # joserfc checks the same RS256 token with the key set resolved from its kid
    key_set = KeySet.import_key_set(fetch_jwks(client, jwt.get_unverified_header(token)["kid"]))
    decoded = jws.deserialize_compact(token, key_set, algorithms=["RS256"])
    assert json.loads(decoded.payload)["vc"] == vc
    # the Ed25519 (EdDSA) twin, verified by PyJWT with the OKP key resolved from its kid
    eddsa = client.get(url + "?alg=EdDSA").get_data(as_text=True)
    header = jwt.get_unverified_header(eddsa)
    assert header["alg"] == "EdDSA"
    okp = next(k for k in jwt.PyJWKSet.from_dict(fetch_jwks(client, header["kid"])).keys
               if k.key_id == header["kid"])
    assert jwt.decode(eddsa, okp.key, algorithms=["EdDSA"])["vc"] == vc
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        rs256_claims(client, tampered)


def test_expiring_certificate_types_carry_exp(client, trainee, make_course, instructor):
    course = make_course(instructor, certificate_type="training_completion")
    cert = pass_exam(trainee, course)
    claims = rs256_claims(client, client.get(
        f"/api/v1/certificates/{cert.serial}/credential").get_data(as_text=True))
    assert claims["exp"] == int(datetime.fromisoformat(claims["vc"]["validUntil"]).timestamp())
    assert claims["exp"] > claims["nbf"]


def test_revoking_flips_the_status_list_bit_at_once(client, officer, certificate):
    token = client.get(f"/api/v1/certificates/{certificate.serial}/credential") \
        .get_data(as_text=True)
    status = rs256_claims(client, token)["vc"]["credentialStatus"]
    assert status["statusPurpose"] == "revocation"
    index = int(status["statusListIndex"])
    list_url = local_path(status["statusListCredential"])

    def current_bit() -> int:
        response = client.get(list_url)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/vc+jwt")
        listed = rs256_claims(client, response.get_data(as_text=True))["vc"]
        assert "BitstringStatusListCredential" in listed["type"]
        assert listed["credentialSubject"]["type"] == "BitstringStatusList"
        as_json = client.get(list_url, headers={"Accept": "application/json"}).get_json()
        assert as_json["credentialSubject"]["encodedList"] == \
            listed["credentialSubject"]["encodedList"]
        return bit(listed["credentialSubject"]["encodedList"], index)

    assert current_bit() == 0
    response = client.post(f"/api/v1/certificates/{certificate.serial}/revoke",
                           json={"reason": "冒名顶替", "category": "fraud"},
                           headers=api_headers(client, officer))
    assert response.status_code == 200
    assert current_bit() == 1  # the very next fetch
    assert client.get("/api/v1/certificates/status-lists/99").status_code == 404
    # An Ed25519-only verifier (PyJWT with the OKP key alone) reads the same list.
    signed = client.get(list_url + "?alg=EdDSA").get_data(as_text=True)
    header = jwt.get_unverified_header(signed)
    assert header["alg"] == "EdDSA"
    okp = next(k for k in jwt.PyJWKSet.from_dict(fetch_jwks(client, header["kid"])).keys
               if k.key_id == header["kid"])
    listed = jwt.decode(signed, okp.key, algorithms=["EdDSA"])["vc"]
    assert bit(listed["credentialSubject"]["encodedList"], index) == 1
    assert client.get(list_url + "?alg=none").status_code == 422


def test_status_indexes_are_distinct_and_a_reissue_gets_a_new_credential(
        client, officer, trainee, certificate, course, make_user):
    other = pass_exam(make_user("trainee"), course)
    assert certificate.status_index != other.status_index
    response = client.post(f"/api/v1/certificates/{certificate.serial}/reissue",
                           json={"holder_name": "李春华"}, headers=api_headers(client, officer))
    new = db.session.scalar(select(Certificate).where(
        Certificate.serial == response.get_json()["serial"]))
    db.session.refresh(certificate)
    assert new.credential_jwt != certificate.credential_jwt
    assert new.status_index not in (certificate.status_index, other.status_index)
    old_vc = rs256_claims(client, certificate.credential_jwt)["vc"]
    listed = client.get(local_path(old_vc["credentialStatus"]["statusListCredential"]),
                        headers={"Accept": "application/json"}).get_json()
    encoded = listed["credentialSubject"]["encodedList"]
    assert bit(encoded, certificate.status_index) == 1  # the superseded one is off the list
    assert bit(encoded, new.status_index) == 0
    # both certificates of one person share one random subject id
    assert rs256_claims(client, new.credential_jwt)["sub"] == old_vc["credentialSubject"]["id"]


def test_nothing_public_carries_the_id_number_or_birth_date(client, trainee, certificate):
    id_number = trainee.profile.id_number
    birth = id_number[6:14]
    surfaces = [
        client.get(f"/api/v1/certificates/{certificate.serial}/credential").get_data(
            as_text=True),
        client.get(f"/api/v1/certificates/{certificate.serial}/credential?alg=EdDSA")
        .get_data(as_text=True),
        client.get(f"/api/v1/certificates/{certificate.serial}/verify").get_data(as_text=True),
        client.get(f"/verify/{certificate.serial}?s={certificate.signature}").get_data(
            as_text=True),
        certificate.payload,  # embedded in the PDF
    ]
    for token in surfaces[:2]:
        surfaces.append(base64.urlsafe_b64decode(token.split(".")[1] + "==").decode())
    for text in surfaces:
        assert id_number not in text and birth not in text
        assert "identityHash" not in text and "李春花" not in text.replace(
            certificate.payload, "")
    other_subject = json.loads(pass_exam_for_other(client, certificate))["sub"]
    assert other_subject != json.loads(surfaces[-2])["sub"]


def pass_exam_for_other(client, certificate) -> str:
    from tests import factories

    cert = pass_exam(factories.make_user("trainee"), certificate.course)
    return base64.urlsafe_b64decode(cert.credential_jwt.split(".")[1] + "==").decode()


def test_one_live_certificate_per_person_occupation_level_and_type(
        client, trainee, course, instructor, make_course):
    first = pass_exam(trainee, course)
    second_course = make_course(instructor, occupation=course.occupation, level=course.level)
    again = pass_exam(trainee, second_course)
    assert again.id == first.id  # the second pass links to the existing certificate
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 1
    duplicate = Certificate(
        serial="SB202633048250099990", trainee_id=trainee.id, course_id=second_course.id,
        occupation_id=course.occupation_id, level=course.level,
        certificate_type=course.certificate_type, status="valid", issued_at=first.issued_at,
        training_hours=64, holder_name=first.holder_name)
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # another level of the same occupation is a new certificate
    higher = pass_exam(trainee, make_course(instructor, occupation=course.occupation, level=4))
    assert higher.id != first.id
