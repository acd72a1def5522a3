"""Collection tarballs of the named collections (namespace.name ...) as the ansible package in
this Python bundles them, written into the given directory, for installs without a Galaxy server.
The bundled copies lack some files their FILES.json lists, so the file list is made anew from
what is there, as ansible-galaxy collection build makes it.
Usage: python3 bundled-tarballs.py DIR NAME ..."""
import hashlib
import io
import json
import os
import sys
import tarfile

import ansible_collections


def entry(name, data=None):
    digest = hashlib.sha256(data).hexdigest() if data is not None else None
    return {'name': name, 'ftype': 'file' if data is not None else 'dir',
            'chksum_type': 'sha256' if data is not None else None, 'chksum_sha256': digest, 'format': 1}


def pack(src, dest):
    files = [entry('.')]
    contents = {}
    for top, dirs, names in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        rel = os.path.relpath(top, src)
        if rel != '.':
            files.append(entry(rel))
        for name in sorted(names):
            path = os.path.normpath(os.path.join(rel, name))
            if path in ('MANIFEST.json', 'FILES.json'):
                continue
            with open(os.path.join(top, name), 'rb') as handle:
                contents[path] = handle.read()
            files.append(entry(path, contents[path]))
    with open(os.path.join(src, 'MANIFEST.json')) as handle:
        manifest = json.load(handle)
    files_json = json.dumps({'files': files, 'format': 1}, indent=4).encode()
    manifest['file_manifest_file'] = dict(entry('FILES.json', files_json))
    contents['FILES.json'] = files_json
    contents['MANIFEST.json'] = json.dumps(manifest, indent=4).encode()
    with tarfile.open(dest, 'w:gz') as tar:
        for path in ['MANIFEST.json', 'FILES.json'] + [f['name'] for f in files if f['name'] != '.']:
            info = tarfile.TarInfo(path)
            if path not in contents:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(contents[path]), 0o644
                tar.addfile(info, io.BytesIO(contents[path]))
    return manifest['collection_info']['version']


def main(dist, names):
    os.makedirs(dist, exist_ok=True)
    for name in names:
        src = [path for path in (os.path.join(root, *name.split('.')) for root in ansible_collections.__path__)
               if os.path.exists(os.path.join(path, 'MANIFEST.json'))][0]
        tmp = os.path.join(dist, name + '.tmp')
        version = pack(src, tmp)
        os.rename(tmp, os.path.join(dist, '%s-%s.tar.gz' % (name.replace('.', '-'), version)))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])
