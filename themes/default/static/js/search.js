/* Linli search: answers from the site's static index (search/), no server, no library.
   The analyzer below is the twin of linli/search/analyzer.py (tests/test_search_parity.py runs
   both on the same strings). Index files are loaded as <script> so that search also works
   opened from disk. Loaded only by the search page (the header search box leads there); the
   build appends the fold table to this file. */
(function (root) {
  "use strict";
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var d = 0; d < 64; d++) DIGIT[ALPHABET.charAt(d)] = d;

  /* Numbers in 5-bit groups: "W".."_" continue a number, "0".."V" end it. */
  function decodeNumbers(s) {
    var out = [], n = 0;
    for (var i = 0; i < s.length; i++) {
      var v = DIGIT[s.charAt(i)];
      if (v >= 32) n = n * 32 + v - 32;
      else { out.push(n * 32 + v); n = 0; }
    }
    return out;
  }

  /* ---- the analyzer ---------------------------------------------------------------------- */
  var CJK_RANGES = [[0x1100, 0x11FF], [0x3005, 0x3007], [0x3040, 0x30FF], [0x3100, 0x312F],
    [0x3130, 0x318F], [0x31A0, 0x31BF], [0x31F0, 0x31FF], [0x3400, 0x4DBF], [0x4E00, 0x9FFF],
    [0xAC00, 0xD7AF], [0xF900, 0xFAFF], [0x20000, 0x323AF]];
  var OTHER = 0, CJK = 1, WORD = 2, MARK = 3;
  var WORD_RE, MARK_RE;
  try {
    WORD_RE = new RegExp("^[\\p{L}\\p{N}]$", "u");
    MARK_RE = new RegExp("^\\p{M}$", "u");
  } catch (e) { /* very old browsers: letters and digits of ASCII only */
    WORD_RE = /^[A-Za-z0-9]$/;
    MARK_RE = /^$/;
  }
  var foldTable = null, classes = Object.create(null), segments = Object.create(null), segmentCount = 0;

  function setTable(data) {
    var numbers = decodeNumbers(data), table = Object.create(null), key = 0, value = 0;
    for (var i = 0; i + 1 < numbers.length; i += 2) {
      var zigzag = numbers[i + 1];
      key += numbers[i] + 1;
      value += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
      table[String.fromCodePoint(key)] = String.fromCodePoint(value);
    }
    foldTable = table;
  }

  function charClass(ch) {
    var found = classes[ch];
    if (found !== undefined) return found;
    var code = ch.codePointAt(0);
    found = OTHER;
    for (var i = 0; i < CJK_RANGES.length; i++) {
      if (code >= CJK_RANGES[i][0] && code <= CJK_RANGES[i][1]) { found = CJK; break; }
    }
    if (found === OTHER) found = WORD_RE.test(ch) ? WORD : MARK_RE.test(ch) ? MARK : OTHER;
    classes[ch] = found;
    return found;
  }

  function normalizeSegment(segment) {
    var found = segments[segment];
    if (found !== undefined) return found;
    var text = segment.normalize("NFKC").toLowerCase(), out = "";
    for (var ch of text) out += (foldTable && foldTable[ch]) || ch;
    if (segmentCount++ < 50000) segments[segment] = out;
    return out;
  }

  /* [normalised character, start, end in text] for every character after normalising. */
  function normalize(text) {
    var out = [], i = 0, n = text.length;
    while (i < n) {
      var j = i + (text.codePointAt(i) > 0xFFFF ? 2 : 1);
      while (j < n) {
        var cp = text.codePointAt(j), ch = String.fromCodePoint(cp);
        if (charClass(ch) !== MARK) break;
        j += cp > 0xFFFF ? 2 : 1;
      }
      for (var c of normalizeSegment(text.slice(i, j))) out.push([c, i, j]);
      i = j;
    }
    return out;
  }

  /* Tokens {text, start, end}: all of them for indexing, the query's own when query is true. */
  function tokens(text, query) {
    var out = [], chars = normalize(text || ""), n = chars.length, i = 0;
    while (i < n) {
      var kind = charClass(chars[i][0]), j;
      if (kind === WORD) {
        var word = chars[i][0], end = chars[i][2];
        j = i + 1;
        while (j < n) {
          var k = charClass(chars[j][0]);
          if (k !== WORD && k !== MARK) break;
          word += chars[j][0];
          end = chars[j][2];
          j++;
        }
        out.push({ text: word, start: chars[i][1], end: end });
        i = j;
      } else if (kind === CJK) {
        var run = [chars[i]];
        j = i + 1;
        while (j < n) {
          var following = charClass(chars[j][0]);
          if (following === CJK) run.push(chars[j]);
          else if (following !== MARK) break;
          j++;
        }
        if (query && run.length > 1) {
          for (var a = 0; a + 1 < run.length; a++) {
            out.push({ text: run[a][0] + run[a + 1][0], start: run[a][1], end: run[a + 1][2] });
          }
        } else {
          for (var b = 0; b < run.length; b++) {
            out.push({ text: run[b][0], start: run[b][1], end: run[b][2] });
            if (b + 1 < run.length) {
              out.push({ text: run[b][0] + run[b + 1][0], start: run[b][1], end: run[b + 1][2] });
            }
          }
        }
        i = j;
      } else {
        i++;
      }
    }
    return out;
  }

  function queryTerms(query) {
    var seen = Object.create(null), out = [];
    tokens(query, true).forEach(function (t) {
      if (!seen[t.text]) { seen[t.text] = true; out.push(t.text); }
    });
    return out;
  }

  /* 32-bit FNV-1a over code points: the shard of a term. */
  function termHash(term) {
    var h = 0x811C9DC5;
    for (var ch of term) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
    return h;
  }

  /* ---- highlighting -------------------------------------------------------------------- */
  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function matchSpans(text, wanted) {
    var spans = tokens(text).filter(function (t) { return wanted[t.text]; })
      .map(function (t) { return [t.start, t.end]; })
      .sort(function (x, y) { return x[0] - y[0] || x[1] - y[1]; });
    var merged = [];
    spans.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    });
    return merged;
  }

  function marked(text, spans, start, end) {
    var out = "", at = start;
    spans.forEach(function (sp) {
      var s = Math.max(sp[0], start), e = Math.min(sp[1], end);
      if (s >= e) return;
      out += escapeHtml(text.slice(at, s)) + "<mark>" + escapeHtml(text.slice(s, e)) + "</mark>";
      at = e;
    });
    return out + escapeHtml(text.slice(at, end));
  }

  function highlight(text, wanted) {
    return marked(text, matchSpans(text, wanted), 0, text.length);
  }

  function snippet(text, wanted, width) {
    width = width || 90;
    var spans = matchSpans(text, wanted), start = 0;
    if (spans.length && text.length > width) {
      var best = spans[0][0], bestCount = -1;
      spans.forEach(function (first) {
        var count = spans.filter(function (s) { return s[0] >= first[0] && s[1] <= first[0] + width; }).length;
        if (count > bestCount) { best = first[0]; bestCount = count; }
      });
      start = Math.max(0, Math.min(best - Math.floor(width / 6), text.length - width));
    }
    var end = Math.min(text.length, start + width);
    return (start > 0 ? "…" : "") + marked(text, spans, start, end) + (end < text.length ? "…" : "");
  }

  /* ---- the static index ------------------------------------------------------------------ */
  var loaded = Object.create(null), waiting = Object.create(null), arrivals = Object.create(null);
  root.__linliSearch = function (name, data) {
    loaded[name] = data;
    if (arrivals[name]) { arrivals[name](data); delete arrivals[name]; }
  };

  /* Data that comes without a request: the fold table, which follows this code in its own file
     (static.py client_file), so it arrives once this file has run to its end. */
  function arrived(name) {
    if (loaded[name] !== undefined) return Promise.resolve(loaded[name]);
    return new Promise(function (resolve) { arrivals[name] = resolve; });
  }

  /* Load base + path as a script that calls __linliSearch(name, data); resolves with data. */
  function load(base, path, name) {
    if (loaded[name] !== undefined) return Promise.resolve(loaded[name]);
    if (waiting[name]) return waiting[name];
    waiting[name] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = base + path;
      script.async = true;
      script.onload = function () {
        script.remove();
        if (loaded[name] !== undefined) resolve(loaded[name]);
        else { delete waiting[name]; reject(new Error(path)); }
      };
      script.onerror = function () { script.remove(); delete waiting[name]; reject(new Error(path)); };
      document.head.appendChild(script);
    });
    return waiting[name];
  }

  /* A posting list: the count of documents with the term, then (number − previous, weight)
     pairs; a score is the weight (saturation, times the archive factor) times the term's idf. */
  function decodePostings(entry, documents, scale) {
    if (!entry) return { df: 0, docs: [], scores: [] };
    var numbers = decodeNumbers(entry), docs = [], scores = [], doc = 0, df = numbers[0];
    var idf = Math.log(1 + (documents - df + 0.5) / (df + 0.5)) / scale;
    for (var i = 1; i + 1 < numbers.length; i += 2) {
      doc += numbers[i];
      docs.push(doc);
      scores.push(numbers[i + 1] * idf);
    }
    return { df: df, docs: docs, scores: scores };
  }

  /* Rank documents for the decoded posting lists of the query's terms.
     Every term must match; a list cut to its best documents cannot exclude anyone, so the
     complete lists decide who matches and the cut ones add to the scores. When no document
     has every term, documents with the most terms come first ("partial"). */
  function rank(lists) {
    var scores = Object.create(null), hits = Object.create(null), partial = false, exact = true, ids;
    lists.forEach(function (list) {
      for (var i = 0; i < list.docs.length; i++) {
        var doc = list.docs[i];
        scores[doc] = (scores[doc] || 0) + list.scores[i];
        hits[doc] = (hits[doc] || 0) + 1;
      }
      if (list.docs.length < list.df) exact = false;
    });
    var complete = lists.filter(function (l) { return l.docs.length === l.df; });
    var missing = lists.some(function (l) { return l.df === 0; });
    if (!missing && complete.length) {
      ids = Object.keys(hits).filter(function (doc) {
        return complete.every(function (l) { return contains(l, +doc); });
      });
      if (!ids.length && lists.length > 1) partial = true;
    } else if (!missing) {
      ids = Object.keys(hits); /* every list cut: the best of each, most terms first */
    } else {
      partial = lists.length > 1;
      ids = partial ? Object.keys(hits) : [];
    }
    if (partial) ids = Object.keys(hits);
    var byTerms = partial || !complete.length;
    var ranked = ids.map(Number).sort(function (a, b) {
      return (byTerms && hits[b] - hits[a]) || scores[b] - scores[a] || b - a;
    });
    return { docs: ranked, partial: partial, exact: exact && !partial };
  }

  function contains(list, doc) {
    if (!list.set) { list.set = Object.create(null); list.docs.forEach(function (d) { list.set[d] = true; }); }
    return list.set[doc] === true;
  }

  /* ---- the page ------------------------------------------------------------------------ */
  function SearchPage(app) {
    this.app = app;
    this.manifest = JSON.parse(app.getAttribute("data-manifest"));
    this.text = JSON.parse(app.getAttribute("data-text"));
    this.base = app.getAttribute("data-base") || "";
    this.root = app.getAttribute("data-root") || "../";
    this.form = document.getElementById("search-form");
    this.input = document.getElementById("search-q");
    this.status = document.getElementById("search-status");
    this.list = document.getElementById("search-results");
    this.more = document.getElementById("search-more");
    this.title = document.title;
    this.result = null;
    this.ready = arrived("fold").then(setTable);
  }

  SearchPage.prototype.start = function () {
    var page = this;
    page.form.addEventListener("submit", function (event) {
      event.preventDefault();
      page.go(page.input.value, page.type(), true);
    });
    Array.prototype.forEach.call(page.form.querySelectorAll("input[name=type]"), function (radio) {
      radio.addEventListener("change", function () { page.go(page.input.value, page.type(), false); });
    });
    page.more.addEventListener("click", function () { page.show(page.shown + page.manifest.page, true); });
    window.addEventListener("popstate", function () { page.fromLocation(); });
    page.app.setAttribute("data-ready", "1");
    page.fromLocation();
  };

  SearchPage.prototype.type = function () {
    var checked = this.form.querySelector("input[name=type]:checked");
    return checked ? checked.value : "";
  };

  SearchPage.prototype.fromLocation = function () {
    var params = new URLSearchParams(location.search);
    var q = params.get("q") || "", type = params.get("type") || "";
    this.input.value = q;
    var radio = this.form.querySelector('input[name=type][value="' + type.replace(/[^a-z]/g, "") + '"]');
    if (radio) radio.checked = true;
    if (q.trim()) this.go(q, type, false);
  };

  SearchPage.prototype.go = function (q, type, push) {
    var url = "?q=" + encodeURIComponent(q.trim()) + (type ? "&type=" + encodeURIComponent(type) : "");
    try {
      if (push) history.pushState(null, "", url);
      else history.replaceState(null, "", url);
    } catch (e) { /* some browsers refuse on file: pages */ }
    document.title = q.trim() ? q.trim() + " - " + this.title : this.title;
    this.run(q.trim(), type);
  };

  SearchPage.prototype.say = function (message) {
    this.status.textContent = message;
  };

  /* Timings for the bench (bench/search_bench.py): marks "linli:query" … "linli:shown". */
  function mark(name) {
    if (root.performance && performance.mark) performance.mark("linli:" + name);
  }

  SearchPage.prototype.run = function (q, type) {
    var page = this, token = page.token = {};
    mark("query");
    page.list.setAttribute("aria-busy", "true");
    page.say(page.text.busy);
    page.ready.then(function () {
      var terms = queryTerms(q);
      if (!terms.length) return null;
      var shards = Object.create(null);
      terms.forEach(function (t) { shards[(termHash(t) % page.manifest.shards).toString(16)] = true; });
      return Promise.all(Object.keys(shards).map(function (s) {
        return load(page.base + page.manifest.dir, "s/" + s + ".js?v=" + page.manifest.version, "s" + s);
      })).then(function () {
        mark("shards");
        var lists = terms.map(function (t) {
          var shard = loaded["s" + (termHash(t) % page.manifest.shards).toString(16)];
          return decodePostings(Object.prototype.hasOwnProperty.call(shard, t) ? shard[t] : null,
            page.manifest.docs, page.manifest.scale);
        });
        var ranked = rank(lists);
        ranked.terms = terms;
        ranked.q = q;
        mark("ranked");
        return ranked;
      });
    }).then(function (ranked) {
      if (token !== page.token) return;
      page.result = ranked;
      if (!ranked) {
        page.list.innerHTML = "";
        page.more.hidden = true;
        page.list.removeAttribute("aria-busy");
        page.say(q ? page.text.none.replace("{q}", q) : page.text.empty);
        return;
      }
      page.wanted = Object.create(null);
      ranked.terms.forEach(function (t) { page.wanted[t] = true; });
      page.filter(type);
    }).catch(function () {
      if (token !== page.token) return;
      page.list.removeAttribute("aria-busy");
      page.say(page.text.failed);
    });
  };

  /* Keep the documents of the chosen type, count each type, and show the first page. */
  SearchPage.prototype.filter = function (type) {
    var page = this, groups = page.manifest.groups, counts = Object.create(null), range = null;
    groups.forEach(function (g) { counts[g[0]] = 0; if (g[0] === type) range = g; });
    page.result.docs.forEach(function (doc) {
      for (var i = 0; i < groups.length; i++) {
        if (doc >= groups[i][1] && doc < groups[i][2]) { counts[groups[i][0]]++; break; }
      }
    });
    page.docs = range ? page.result.docs.filter(function (doc) { return doc >= range[1] && doc < range[2]; })
      : page.result.docs;
    Array.prototype.forEach.call(page.form.querySelectorAll("[data-count]"), function (el) {
      var key = el.getAttribute("data-count");
      var n = key ? counts[key] || 0 : page.result.docs.length;
      el.textContent = String(n);
      /* a type without results is hidden, unless it is the chosen one */
      el.parentNode.parentNode.hidden = key !== "" && n === 0 && key !== type;
    });
    page.list.innerHTML = "";
    page.shown = 0;
    page.app.removeAttribute("data-shown");  /* set again once these results are drawn */
    page.show(page.manifest.page, false);
  };

  SearchPage.prototype.show = function (upto, moveFocus) {
    var page = this, from = page.shown, wanted = page.docs.slice(from, upto), token = page.token;
    page.list.setAttribute("aria-busy", "true");
    Promise.all(wanted.map(function (doc) {
      return load(page.base + page.manifest.dir, "d/" + doc.toString(16) + ".js?v=" + page.manifest.version,
        "d" + doc.toString(16));
    })).then(function (found) {
      if (token !== page.token) return;
      mark("docs");
      var html = "";
      found.forEach(function (doc) { html += page.render(doc); });
      page.list.insertAdjacentHTML("beforeend", html);
      page.shown = from + found.length;
      page.more.hidden = page.shown >= page.docs.length;
      page.list.removeAttribute("aria-busy");
      var n = page.docs.length, text = page.text;
      var message = !n ? text.none.replace("{q}", page.result.q)
        : (page.result.exact ? text.found : text.about).replace("{n}", n);
      page.say(page.result.partial && n ? text.partial + " " + message : message);
      mark("shown");
      page.app.setAttribute("data-shown", String(page.shown));
      if (moveFocus) {
        var link = page.list.children[from] && page.list.children[from].querySelector("a");
        if (link) link.focus();
      }
    }).catch(function () {
      if (token !== page.token) return;
      page.list.removeAttribute("aria-busy");
      page.say(page.text.failed);
    });
  };

  SearchPage.prototype.render = function (doc) {
    var text = this.text, date = doc.d;
    if (date && text.lang.indexOf("zh") === 0) {
      var p = date.split("-");
      date = +p[0] + "年" + +p[1] + "月" + +p[2] + "日";
    }
    var meta = [text.types[doc.y] || doc.y, date].filter(Boolean);
    if (doc.e) meta.push(text.archived);
    return '<li class="row search-hit"><a class="row-title" href="' + escapeHtml(this.root + doc.u + "index.html")
      .replace(/"/g, "&quot;") + '">' + highlight(doc.t, this.wanted) + "</a>" +
      '<p class="row-meta">' + escapeHtml(meta.join(" · ")) + "</p>" +
      (doc.x ? '<p class="row-summary">' + snippet(doc.x, this.wanted, 90) + "</p>" : "") + "</li>";
  };

  var api = {
    decodeNumbers: decodeNumbers, setTable: setTable, normalize: normalize, tokens: tokens,
    queryTerms: queryTerms, termHash: termHash, highlight: highlight, snippet: snippet,
    decodePostings: decodePostings, rank: rank
  };
  root.LinliSearch = api;
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof document !== "undefined") {
    var start = function () {
      var app = document.getElementById("search-app");
      if (app && app.getAttribute("data-manifest")) (api.page = new SearchPage(app)).start();
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})(typeof window !== "undefined" ? window : globalThis);
