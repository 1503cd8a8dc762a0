"""Planted secrets: one per kind, each as it would appear in a config line, a commit message, a
param, a facet or a data cell. Values are made up (random-looking, never real credentials);
each test asserts that none of `SECRET_VALUES` appears in what leaves the store."""

from __future__ import annotations

# kind → the line a person would write; the secret value is the part after the last marker
PLANTED: dict[str, str] = {
    "anthropic-key": "ANTHROPIC_API_KEY=sk-ant-api03-Qw3rTy7uIoP9aSdFgH1jKlZx",
    "openai-key": "OPENAI_API_KEY=sk-proj-Zx8cVbNm1QwErTyUiOp4AsDf",
    "aws-access-key": "aws_access_key_id = AKIAQ7XWZ3K5N2M4P6R8",
    "aws-secret-key": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Hd3LpQ2",
    "github-token": "token: ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXy",
    "gitlab-token": "GITLAB_TOKEN=glpat-Xy7Zq9Wv3Tu5Rs1Pn8Mk",
    "slack-token": "SLACK=xoxb-2048-4096-Zq8Wx7Cv6Bn5",
    "google-api-key": "key=AIzaSyD3xQ7vB9nM2kL5pR8tW1yZ4cF6hJ0gE3s",
    "huggingface-token": "HF_TOKEN=hf_Qw3rTy7uIoP9aSdFgH1jKlZxCvBnM4Qs",
    "stripe-key": "stripe: sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "jwt": "Authorization: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudG9wcyJ9.Xq7Wv3Tu5Rs1Pn8Mk2Lj",
    "bearer": "curl -H 'Authorization: Bearer Zq8Wx7Cv6Bn5Mq4Lp3Ko2Jn1'",
    "url-password": "postgresql://ml:Pa55w0rdS3cr3t@db.internal:5432/features",
    "url-password-slash": "mongodb://svc:Ab3/Cd5+Ef7Gh9@mongo:27017/x",
    "redis-password": "redis://:R3d1sP4ssw0rdQ@cache:6379/0",
    "azure-account-key": (
        "DefaultEndpointsProtocol=https;AccountName=mlstore;"
        "AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi+/Y2RlZmdoaWprbA==;"
        "EndpointSuffix=core.windows.net"
    ),
    "pgpassword": "PGPASSWORD=Tr0ub4dorAnd3 psql -h db",
    "db-pass": "DB_PASS=C0rrectH0rseB4ttery",
    "password-assignment": "db.password: hunter2hunter2",
    "private-key": (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq7Wv3Tu5Rs1Pn8Mk2Lj\n"
        "-----END RSA PRIVATE KEY-----"
    ),
}

SECRET_VALUES: dict[str, str] = {
    "anthropic-key": "sk-ant-api03-Qw3rTy7uIoP9aSdFgH1jKlZx",
    "openai-key": "sk-proj-Zx8cVbNm1QwErTyUiOp4AsDf",
    "aws-access-key": "AKIAQ7XWZ3K5N2M4P6R8",
    "aws-secret-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Hd3LpQ2",
    "github-token": "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3sXy",
    "gitlab-token": "glpat-Xy7Zq9Wv3Tu5Rs1Pn8Mk",
    "slack-token": "xoxb-2048-4096-Zq8Wx7Cv6Bn5",
    "google-api-key": "AIzaSyD3xQ7vB9nM2kL5pR8tW1yZ4cF6hJ0gE3s",
    "huggingface-token": "hf_Qw3rTy7uIoP9aSdFgH1jKlZxCvBnM4Qs",
    "stripe-key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudG9wcyJ9.Xq7Wv3Tu5Rs1Pn8Mk2Lj",
    "bearer": "Zq8Wx7Cv6Bn5Mq4Lp3Ko2Jn1",
    "url-password": "Pa55w0rdS3cr3t",
    "url-password-slash": "Ab3/Cd5+Ef7Gh9",
    "redis-password": "R3d1sP4ssw0rdQ",
    "azure-account-key": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi+/Y2RlZmdoaWprbA==",
    "pgpassword": "Tr0ub4dorAnd3",
    "db-pass": "C0rrectH0rseB4ttery",
    "password-assignment": "hunter2hunter2",
    "private-key": "MIIEowIBAAKCAQEAq7Wv3Tu5Rs1Pn8Mk2Lj",
}


def leaked(text: str) -> list[str]:
    """The kinds whose secret value appears in `text`."""
    return [kind for kind, value in SECRET_VALUES.items() if value in text]
