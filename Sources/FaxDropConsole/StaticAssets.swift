/// The console's stylesheet and script, served from the binary at `/static/…` (the
/// Content-Security-Policy allows no inline script or style and nothing from elsewhere).
enum StaticAssets {
    static let files: [String: (type: String, body: String)] = [
        "console.css": ("text/css; charset=utf-8", css),
        "console.js": ("text/javascript; charset=utf-8", js),
    ]

    static let css = """
        *{box-sizing:border-box}
        body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#fafafa}
        header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#1d3557;color:#fff}
        header a,header .who{color:#fff}.brand{font-weight:700}
        nav a{margin-right:.8rem}
        .signout{margin-left:auto}
        main{padding:1rem;max-width:70rem;margin:0 auto}
        a:focus,button:focus,input:focus,select:focus,main:focus{outline:3px solid #f4a261;outline-offset:2px}
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.3rem}
        .sr{position:absolute;left:-999px}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ddd;vertical-align:top}
        .status{font-weight:600;white-space:nowrap}.icon{display:inline-block;width:1.2em}
        .sent{color:#1b5e20}.failed{color:#b71c1c}.waiting{color:#8a5a00}.active{color:#0d47a1}.queued{color:#333}
        .problem{border-left:4px solid #b71c1c;padding:.3rem .8rem;background:#fff}
        .notice{border-left:4px solid #0d47a1;padding:.3rem .8rem;background:#fff}
        .hint,.todo{color:#555;font-size:.9em}
        .card{display:grid;gap:.5rem;max-width:28rem}
        input,select,button{font:inherit;padding:.4rem}
        button{cursor:pointer}
        .search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}.search label{display:grid}
        .thumbs{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.6rem}.thumbs img{border:1px solid #999;background:#fff;max-width:100%;height:auto}
        .timeline{border-left:3px solid #999;padding-left:1.4rem}.timeline li{margin-bottom:.6rem}
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}.facts dd{margin:0}
        form{display:inline}form.card,form.search{display:grid}
        @media (max-width:40rem){
          thead{display:none}table,tbody,tr,td{display:block}tr{border-bottom:2px solid #ccc;padding:.4rem 0}td{border:0;padding:.15rem 0}
          .signout{margin-left:0}
        }
        """

    static let js = """
        // Live outbox: polls /outbox.json and redraws the table with DOM calls (no HTML strings).
        (function () {
          'use strict';
          var table = document.getElementById('outbox');
          if (!table) { return; }
          var body = table.tBodies[0];
          var csrf = table.getAttribute('data-csrf');
          var maySend = table.getAttribute('data-may-send') === '1';
          var empty = document.getElementById('empty');
          function cell(row, child) { var td = document.createElement('td'); if (child) { td.appendChild(child); } row.appendChild(td); return td; }
          function text(t) { return document.createTextNode(t); }
          function draw(jobs) {
            while (body.firstChild) { body.removeChild(body.firstChild); }
            jobs.forEach(function (job) {
              var tr = document.createElement('tr');
              tr.setAttribute('data-job', job.id);
              tr.setAttribute('data-state', job.state);
              var status = document.createElement('span');
              status.className = 'status ' + job.tone;
              var icon = document.createElement('span');
              icon.className = 'icon'; icon.setAttribute('aria-hidden', 'true'); icon.textContent = job.icon;
              status.appendChild(icon); status.appendChild(text(' ' + job.word));
              cell(tr, status);
              var link = document.createElement('a'); link.href = '/jobs/' + encodeURIComponent(job.id); link.textContent = job.destination;
              cell(tr, link);
              cell(tr, text(job.originalName));
              cell(tr, text(job.detail));
              var actions = cell(tr, null);
              if (maySend) {
                var form = document.createElement('form'); form.method = 'post'; form.action = '/jobs/' + encodeURIComponent(job.id) + '/cancel';
                var hidden = document.createElement('input'); hidden.type = 'hidden'; hidden.name = 'csrf'; hidden.value = csrf;
                var button = document.createElement('button'); button.type = 'submit'; button.textContent = 'Cancel';
                form.appendChild(hidden); form.appendChild(button); actions.appendChild(form);
              }
              body.appendChild(tr);
            });
            if (empty) { empty.hidden = jobs.length > 0; }
          }
          function poll() {
            fetch('/outbox.json', { credentials: 'same-origin', cache: 'no-store' })
              .then(function (r) { if (r.status === 401) { window.location = '/login'; return null; } return r.json(); })
              .then(function (data) { if (data && !table.contains(document.activeElement)) { draw(data.jobs); } })
              .catch(function () {})
              .then(function () { window.setTimeout(poll, 2000); });
          }
          window.setTimeout(poll, 2000);
        })();
        """
}
