// A Kinesis stand-in for tests: kinesalite (in memory) behind a small proxy, both on 127.0.0.1.
//
// Why the proxy: the Flink Kinesis source (KinesisStreamsSource, connector 4.3.0) names streams by
// StreamARN in ListShards, GetShardIterator and GetRecords; kinesalite 3.3.3 knows only
// StreamName. The proxy rewrites StreamARN into StreamName in each JSON request body and passes
// everything else through unchanged. Clients must speak JSON 1.1, not CBOR (aws.cborEnabled=false).
//
// Prints one line `port=<n>` on stdout once both listen, and exits when stdin closes, so the
// JVM that started it cannot leave it behind.
//
// Usage: node kinesis-stand-in.js   (run from a folder whose node_modules holds kinesalite)
'use strict';

const http = require('http');
const path = require('path');
const kinesalite = require(path.join(process.cwd(), 'node_modules', 'kinesalite'));

const LOOPBACK = '127.0.0.1';
const backend = kinesalite({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100});

backend.listen(0, LOOPBACK, () => {
  const backendPort = backend.address().port;
  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = rewrite(Buffer.concat(chunks));
      const headers = Object.assign({}, req.headers, {'content-length': String(body.length)});
      const upstream = http.request({host: LOOPBACK, port: backendPort, method: req.method, path: req.url, headers},
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        });
      upstream.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      upstream.end(body);
    });
  });
  proxy.listen(0, LOOPBACK, () => {
    process.stdout.write('port=' + proxy.address().port + '\n');
  });
});

/** StreamARN "arn:aws:kinesis:region:account:stream/NAME" becomes StreamName "NAME". */
function rewrite(body) {
  if (body.length === 0 || body.indexOf('"StreamARN"') < 0) {
    return body;
  }
  let request;
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return body;
  }
  const arn = request.StreamARN;
  delete request.StreamARN;
  if (typeof arn === 'string' && request.StreamName === undefined && arn.indexOf(':stream/') > 0) {
    request.StreamName = arn.substring(arn.indexOf(':stream/') + ':stream/'.length);
  }
  return Buffer.from(JSON.stringify(request), 'utf8');
}

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
