"""Deploy to S3-compatible object storage (boto3): Amazon S3, Aliyun OSS, Tencent COS, Huawei
OBS, Qiniu, MinIO… The shared manifest sync, each object put whole (an object is never seen
half-written), with its content type and a charset for text, so the bucket serves the site.

``endpoint_url`` names the provider's S3 endpoint; ``prefix`` a folder inside the bucket.
The keys come from the secrets ``access_key_id`` and ``secret_access_key``.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError as BotoConnectionError, EndpointConnectionError

from linli.deploy.config import Target
from linli.deploy.core import ConnectionLost, Transport, sync
from linli.errors import LinliError

TEXT_TYPES = {"application/javascript", "application/json", "application/xml", "image/svg+xml", "text/javascript"}
AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidSecurity", "AuthorizationHeaderMalformed"}


def content_type(path: str) -> str:
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in TEXT_TYPES:
        kind += "; charset=utf-8"
    return kind


class S3Transport(Transport):
    def __init__(self, target: Target):
        self.target = target
        self.bucket = target.get("bucket")
        self.prefix = target.get("prefix", "").strip("/")
        self.endpoint = target.get("endpoint_url")
        self.where = f"s3://{self.bucket}/{self.prefix}" + (f"（{self.endpoint}）" if self.endpoint else "")
        self.key_id = target.secret("access_key_id")
        self.secret_key = target.secret("secret_access_key")
        self.client = None

    def _key(self, path: str) -> str:
        return posixpath.join(self.prefix, path) if self.prefix else path

    def _error(self, exc: Exception, path: str | None = None) -> Exception:
        if isinstance(exc, (EndpointConnectionError, BotoConnectionError)):
            return ConnectionLost(str(exc))
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code in AUTH_CODES:
                return LinliError(
                    f"对象存储拒绝了访问（{code}）：发布目标“{self.target.name}”的访问密钥不对，或没有写 {self.bucket} 的权限。"
                )
            if code in ("NoSuchBucket", "404") and path is None:
                return LinliError(f"对象存储里没有名为 {self.bucket} 的存储桶（bucket）：请先在服务商的控制台创建。")
            if code.startswith("5") or code in ("SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"):
                return ConnectionLost(f"{code}: {exc}")
            return LinliError(f"对象存储出错（{code}）：{exc}")
        return ConnectionLost(str(exc))

    def connect(self) -> None:
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.target.get("region") or "us-east-1",
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret_key,
            config=Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 2},
                          s3={"addressing_style": "path"} if self.endpoint else None),
        )  # fmt: skip
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            error = self._error(exc)
            if isinstance(error, ConnectionLost):
                raise LinliError(f"连不上对象存储 {self.endpoint or 'S3'}（{exc}）：请检查 endpoint_url 和网络。") from exc
            raise error from exc

    def close(self) -> None:
        self.client = None

    def _call(self, path: str, fn, **kwargs):
        try:
            return fn(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, path) from exc

    def read(self, path: str) -> bytes | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(path))["Body"]
            return body.read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise self._error(exc, path) from exc
        except BotoCoreError as exc:
            raise self._error(exc, path) from exc

    def write(self, path: str, source: Path) -> None:
        with source.open("rb") as handle:
            self._call(path, self.client.put_object, Bucket=self.bucket, Key=self._key(path), Body=handle,
                       ContentType=content_type(path))  # fmt: skip

    def write_bytes(self, path: str, data: bytes) -> None:
        self._call(path, self.client.put_object, Bucket=self.bucket, Key=self._key(path), Body=data,
                   ContentType="application/json", CacheControl="no-store")  # fmt: skip

    def delete(self, path: str) -> None:
        self._call(path, self.client.delete_object, Bucket=self.bucket, Key=self._key(path))


def deploy(target: Target, site: Path, progress=None):
    return sync(target.name, site, S3Transport(target), retries=target.retries, progress=progress)
