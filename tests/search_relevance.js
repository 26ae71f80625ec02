// Runs queries against a built site's static search index with the browser client's own code
// (themes/default/static/js/search.js) under Node: the ranking residents get, without a browser.
// Usage: node tests/search_relevance.js SITE_DIR < queries.json
// queries.json: [{"q": "低保", "type": "service"?}, ...]; prints [{"titles": [...], "partial": bool}, ...]
"use strict";
const fs = require("fs");
const path = require("path");

const repo = path.resolve(__dirname, "..");
const client = require(path.join(repo, "themes/default/static/js/search.js"));
const site = process.argv[2];
const searchDir = path.join(site, "search");
const html = fs.readFileSync(path.join(searchDir, "index.html"), "utf8");
const manifest = JSON.parse(
  html.match(/data-manifest="([^"]*)"/)[1].replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&")
);

// The index files are scripts that call __linliSearch(name, data): read one and keep its data.
function loadFile(relative) {
  const file = path.join(searchDir, relative);
  if (!fs.existsSync(file)) return null;
  let found = null;
  const text = fs.readFileSync(file, "utf8");
  new Function("__linliSearch", text)((name, data) => { found = data; });
  return found;
}

client.setTable(loadFile(manifest.client)); // the client file ends with its fold table
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
const out = queries.map(({ q, type }) => {
  const terms = client.queryTerms(q);
  const lists = terms.map((t) => {
    const shard = loadFile(manifest.dir + "s/" + (client.termHash(t) % manifest.shards).toString(16) + ".js") || {};
    return client.decodePostings(Object.prototype.hasOwnProperty.call(shard, t) ? shard[t] : null,
      manifest.docs, manifest.scale);
  });
  const ranked = client.rank(lists);
  let docs = ranked.docs;
  if (type) {
    const range = manifest.groups.find((g) => g[0] === type);
    docs = docs.filter((d) => d >= range[1] && d < range[2]);
  }
  const titles = docs.slice(0, 5).map((d) => loadFile(manifest.dir + "d/" + d.toString(16) + ".js").t);
  return { q, terms, titles, partial: ranked.partial, total: docs.length };
});
process.stdout.write(JSON.stringify(out));
