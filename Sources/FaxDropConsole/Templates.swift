/// The console's pages as Mustache templates, compiled into the binary (no files to ship).
/// `{{x}}` escapes HTML; nothing a request or a sidecar carries is ever written unescaped.
enum Templates {
    static let all: [String: String] = [
        "top": top, "bottom": bottom, "status": status, "login": login, "outbox": outbox, "history": history,
        "job": job,
        "send": send, "preview": preview, "inbox": inbox, "received": received, "errors": errors, "message": message,
    ]

    static let top = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · FaxDrop</title>
        <link rel="stylesheet" href="/static/console.css">
        <script src="/static/console.js" defer></script>
        </head><body>
        <a class="skip" href="#main">Skip to content</a>
        <header><span class="brand">FaxDrop</span>
        {{#session}}<nav aria-label="Main"><a href="/outbox">Outbox</a> <a href="/history">History</a> {{#maySend}}<a href="/send">Send</a> {{/maySend}}<a href="/inbox">Inbox</a> <a href="/errors">Error codes</a></nav>
        <form class="signout" method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><span class="who">{{keyName}} ({{role}})</span> <button type="submit">Sign out</button></form>{{/session}}
        </header>
        <main id="main" tabindex="-1"><h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        """

    static let bottom = """
        </main></body></html>
        """

    static let status = """
        <span class="status {{tone}}"><span aria-hidden="true" class="icon">{{icon}}</span> {{word}}</span>
        """

    static let login = """
        {{> top}}
        {{#refused}}<p class="problem" role="alert"><span aria-hidden="true">✖</span> That key was not accepted.</p>{{/refused}}
        <form method="post" action="/login" class="card">
        <input type="hidden" name="csrf" value="{{loginToken}}">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
        <button type="submit">Sign in</button>
        </form>
        {{> bottom}}
        """

    static let outbox = """
        {{> top}}
        <p id="live" class="hint" aria-live="polite">Updates by itself every few seconds.</p>
        <table class="jobs" id="outbox" data-csrf="{{csrf}}" data-may-send="{{#maySend}}1{{/maySend}}">
        <thead><tr><th scope="col">State</th><th scope="col">Number</th><th scope="col">Document</th><th scope="col">Details</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
        <tbody>
        {{#rows}}<tr data-job="{{id}}"><td>{{> status}}</td><td><a href="/jobs/{{id}}">{{destination}}</a></td><td>{{originalName}}</td><td>{{detail}}</td>
        <td>{{#maySend}}<form method="post" action="/jobs/{{id}}/cancel"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Cancel</button></form>{{/maySend}}</td></tr>
        {{/rows}}
        </tbody></table>
        <p id="empty" {{#hasRows}}hidden{{/hasRows}}>Nothing is waiting to be sent.</p>
        {{> bottom}}
        """

    static let history = """
        {{> top}}
        <form method="get" action="/history" class="search" role="search">
        <label>Number <input name="number" value="{{query.number}}" inputmode="tel"></label>
        <label>File name or job id <input name="q" value="{{query.text}}"></label>
        <label>Status <select name="status">
        <option value="" {{#query.any}}selected{{/query.any}}>Any</option>
        <option value="sent" {{#query.sent}}selected{{/query.sent}}>Sent</option>
        <option value="failed" {{#query.failed}}selected{{/query.failed}}>Failed</option></select></label>
        <label>Error code <select name="code"><option value="">Any</option>{{#codes}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/codes}}</select></label>
        <label>From <input type="date" name="from" value="{{query.from}}"></label>
        <label>To <input type="date" name="to" value="{{query.to}}"></label>
        <button type="submit">Search</button>
        </form>
        <p>{{total}} jobs{{#pages}}, page {{page}} of {{pages}}{{/pages}}.</p>
        <table class="jobs"><thead><tr><th scope="col">Status</th><th scope="col">Number</th><th scope="col">Document</th><th scope="col">Queued</th><th scope="col">Details</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{> status}}</td><td><a href="/jobs/{{id}}">{{destination}}</a></td><td>{{originalName}}</td><td>{{queued}}</td><td>{{#errorCode}}<code>{{errorCode}}</code> {{/errorCode}}{{detail}}{{#whatToDo}}<br><span class="todo">{{whatToDo}}</span>{{/whatToDo}}</td></tr>
        {{/rows}}</tbody></table>
        <nav class="pager" aria-label="Pages">{{#previous}}<a href="{{previous}}" rel="prev">← Newer</a>{{/previous}} {{#next}}<a href="{{next}}" rel="next">Older →</a>{{/next}}</nav>
        {{> bottom}}
        """

    static let job = """
        {{> top}}
        <p>{{> status}} {{detail}}</p>
        {{#explanation}}<div class="problem" role="note"><p><code>{{code}}</code>: {{words}}</p><p><strong>What to do:</strong> {{whatToDo}}</p>{{#message}}<p class="hint">{{message}}</p>{{/message}}</div>{{/explanation}}
        <dl class="facts">
        <dt>Job</dt><dd><code>{{id}}</code></dd>
        <dt>Number</dt><dd>{{destination}}{{#recipient}} ({{recipient}}){{/recipient}}</dd>
        <dt>Queued</dt><dd>{{queued}}</dd>
        {{#completed}}<dt>Ended</dt><dd>{{completed}}</dd>{{/completed}}
        <dt>Pages</dt><dd>{{pagesLine}}</dd>
        {{#resolution}}<dt>Resolution</dt><dd>{{resolution}}, {{paper}}</dd>{{/resolution}}
        {{#retryOf}}<dt>Retry of</dt><dd><a href="/jobs/{{retryOf}}">{{retryOf}}</a></dd>{{/retryOf}}
        </dl>
        {{#maySend}}{{#canRetry}}<form method="post" action="/jobs/{{id}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Retry</button></form>{{/canRetry}}
        {{#canCancel}}<form method="post" action="/jobs/{{id}}/cancel"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Cancel</button></form>{{/canCancel}}{{/maySend}}
        <h2>Documents</h2><ul>{{#documents}}<li>{{#href}}<a href="{{href}}" download>{{name}}</a>{{/href}}{{^href}}{{name}} (not kept){{/href}}</li>{{/documents}}</ul>
        <h2>Attempts</h2>
        <ol class="timeline">{{#attempts}}<li><strong>Attempt {{number}}</strong> · {{started}} · {{outcome}}{{#pagesSent}} · pages confirmed: {{pagesSent}}{{/pagesSent}}{{#message}}<br><span class="hint">{{message}}</span>{{/message}}</li>{{/attempts}}</ol>
        {{^attempts}}<p>No call yet.</p>{{/attempts}}
        <h2>The fax as sent</h2>
        <ul class="thumbs">{{#thumbnails}}<li><a href="{{full}}"><img src="{{src}}" alt="Page {{number}}" loading="lazy" width="172"></a></li>{{/thumbnails}}</ul>
        {{^thumbnails}}<p>{{noImage}}</p>{{/thumbnails}}
        {{> bottom}}
        """

    static let send = """
        {{> top}}
        <form method="post" action="/send" enctype="multipart/form-data" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="to">Fax number</label>
        <input id="to" name="to" inputmode="tel" autocomplete="off" required value="{{to}}" placeholder="+15551234567">
        <label for="file">Documents (PDF, TIFF, PNG, JPEG or text), in order</label>
        <input id="file" name="file" type="file" multiple required>
        <button type="submit">{{#previews}}Preview{{/previews}}{{^previews}}Send{{/previews}}</button>
        </form>
        {{> bottom}}
        """

    static let preview = """
        {{> top}}
        <p>{{pageCount}} pages to <strong>{{to}}</strong>, exactly as the recipient will get them: {{#documentNames}}{{.}} {{/documentNames}}</p>
        <ul class="thumbs">{{#thumbnails}}<li><a href="{{full}}"><img src="{{src}}" alt="Page {{number}}" width="172"></a></li>{{/thumbnails}}</ul>
        <form method="post" action="/send/preview/{{token}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="to" value="{{to}}"><button type="submit" id="confirm-send">Send</button></form>
        <form method="post" action="/send/preview/{{token}}/discard"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Discard</button></form>
        {{> bottom}}
        """

    static let inbox = """
        {{> top}}
        {{^configured}}<p>Receiving is not set up: no fax has been received into <code>incoming/</code>. The README's "Receiving" section says how to route calls to FaxDrop.</p>{{/configured}}
        {{#configured}}<table class="jobs"><thead><tr><th scope="col">Status</th><th scope="col">From</th><th scope="col">Folder</th><th scope="col">Pages</th><th scope="col">Received</th></tr></thead><tbody>
        {{#rows}}<tr><td><span class="status {{tone}}"><span aria-hidden="true" class="icon">{{icon}}</span> {{status}}</span></td><td><a href="/inbox/{{id}}">{{caller}}</a></td><td>{{folder}}</td><td>{{pages}}</td><td>{{received}}</td></tr>
        {{/rows}}</tbody></table>{{/configured}}
        {{> bottom}}
        """

    static let received = """
        {{> top}}
        <dl class="facts"><dt>Status</dt><dd>{{status}}</dd><dt>From</dt><dd>{{caller}}</dd><dt>Folder</dt><dd>{{folder}}</dd><dt>Pages</dt><dd>{{pages}}</dd><dt>Received</dt><dd>{{received}}</dd></dl>
        {{#pdf}}<p><a href="{{pdf}}" download>Download the PDF</a></p>{{/pdf}}{{^pdf}}<p>No page arrived, so there is no PDF.</p>{{/pdf}}
        {{> bottom}}
        """

    static let errors = """
        {{> top}}
        <table class="codes"><thead><tr><th scope="col">Code</th><th scope="col">What happened</th><th scope="col">What to do</th><th scope="col">Tried again by itself</th></tr></thead><tbody>
        {{#codes}}<tr id="{{code}}"><td><code>{{code}}</code></td><td>{{words}}</td><td>{{whatToDo}}</td><td>{{retryable}}</td></tr>{{/codes}}
        </tbody></table>
        {{> bottom}}
        """

    static let message = """
        {{> top}}
        <p>{{text}}</p>
        {{#back}}<p><a href="{{back}}">Back</a></p>{{/back}}
        {{> bottom}}
        """
}
