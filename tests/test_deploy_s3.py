"""Deploy to S3-compatible object storage against moto's S3 server on loopback (a real HTTP
server speaking the S3 API, driven by boto3 exactly as a provider's endpoint would be)."""

from __future__ import annotations

import functools
import hashlib
import itertools

import pytest

import linli.deploy.core
from linli.deploy import deploy
from linli.deploy.core import MANIFEST, site_manifest
from linli.errors import LinliError
from tests.deploy_servers import S3Server, add_target, exercise, free_port, make_site, resume_after_ctrl_c, touch_pages

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server", reason="moto[server] is in requirements-dev.txt")
_buckets = itertools.count()


@pytest.fixture(scope="module")
def s3():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3):
    name = f"shequ-{next(_buckets)}"
    client(s3).create_bucket(Bucket=name)
    return name


@functools.cache
def client(s3):
    return boto3.client("s3", endpoint_url=s3.url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")  # fmt: skip


@pytest.fixture
def site_home(home, monkeypatch):
    make_site(home)
    monkeypatch.setenv("LINLI_DEPLOY_OSS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("LINLI_DEPLOY_OSS_SECRET_ACCESS_KEY", "test")
    return home


def objects(s3, bucket, prefix="site/") -> dict[str, str]:
    found, s3_client = {}, client(s3)
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"][len(prefix):]
            if key != MANIFEST:
                body = s3_client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                found[key] = hashlib.sha256(body).hexdigest()
    return found


def test_s3_changed_only_deletions_and_content_types(site_home, s3, bucket):
    home = add_target(site_home, "oss", kind="s3", bucket=bucket, prefix="site", endpoint_url=s3.url)
    exercise(home, "oss", lambda: objects(s3, bucket))
    head = client(s3).head_object(Bucket=bucket, Key="site/notices/停水 通知/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert client(s3).head_object(Bucket=bucket, Key="site/media/photo.jpg")["ContentType"] == "image/jpeg"
    assert client(s3).head_object(Bucket=bucket, Key="site/static/css/site.css")["ContentType"] == "text/css; charset=utf-8"
    resume_after_ctrl_c(home, "oss", lambda: objects(s3, bucket))


def test_s3_endpoint_gone_mid_upload_then_back(site_home, s3, bucket, monkeypatch):
    monkeypatch.setattr(linli.deploy.core, "CHECKPOINT_FILES", 1)
    home = add_target(site_home, "oss", kind="s3", bucket=bucket, prefix="site", endpoint_url=s3.url, retries=1)
    deploy(home, "oss")
    changed = touch_pages(home, "drop")

    def progress(done, total, path):
        if done == 5:
            s3.stop()

    try:
        with pytest.raises(LinliError, match="连不上对象存储.*重连失败.*再运行一次 linli deploy 会接着上传"):
            deploy(home, "oss", progress=progress)
    finally:
        s3.start()
    rerun = deploy(home, "oss")
    assert len(rerun.uploaded) == len(changed) - 4
    assert objects(s3, bucket) == site_manifest(home.site_dir)


def test_s3_missing_keys_missing_bucket_and_no_endpoint(site_home, s3, monkeypatch):
    home = add_target(site_home, "oss", kind="s3", bucket="no-such-bucket", endpoint_url=s3.url)
    with pytest.raises(LinliError, match="没有名为 no-such-bucket 的存储桶"):
        deploy(home, "oss")
    monkeypatch.delenv("LINLI_DEPLOY_OSS_SECRET_ACCESS_KEY")
    with pytest.raises(LinliError, match="缺少部署目标“oss”的访问密钥（Secret）.*LINLI_DEPLOY_OSS_SECRET_ACCESS_KEY"):
        deploy(home, "oss")
    monkeypatch.setenv("LINLI_DEPLOY_OSS_SECRET_ACCESS_KEY", "test")
    home = add_target(home, "nowhere", kind="s3", bucket="b", endpoint_url=f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("LINLI_DEPLOY_NOWHERE_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("LINLI_DEPLOY_NOWHERE_SECRET_ACCESS_KEY", "test")
    with pytest.raises(LinliError, match="连不上对象存储 http://127.0.0.1:\\d+"):
        deploy(home, "nowhere")
