<?cs # Mail statistics of a domain for a range of days: totals, the daily
     volume as an inline SVG chart (drawn from the points stats.c
     computes; every text escaped, no script), the users' table and CSV
     downloads. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.stats.title ?>
<?cs set:Page.Nav = "statistics" ?>
<?cs include:"header.cs" ?>
<section class="home stats" id="stats-page">
<?cs call:domain_bar() ?>
  <h1><?cs var:Lang.domainadmin.stats.title ?></h1>
  <form class="search" method="get" action="<?cs var:Page.Base ?>/stats" id="stats-range">
    <input type="hidden" name="d" value="<?cs var:Domain.Name ?>">
<?cs if:Stats.User.Id ?>    <input type="hidden" name="user" value="<?cs var:Stats.User.Id ?>">
<?cs /if ?>
    <label><?cs var:Lang.domainadmin.stats.from ?> <input type="date" name="from" value="<?cs var:Form.From ?>" required></label>
    <label><?cs var:Lang.domainadmin.stats.to ?> <input type="date" name="to" value="<?cs var:Form.To ?>" required></label>
    <button type="submit"><?cs var:Lang.domainadmin.stats.apply ?></button>
  </form>
<?cs if:Page.FormError && Page.FormErrorAt == "stats" ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.domainadmin.stats.err[Page.FormError] ?><?cs if:Page.FormError == "range_long" ?> <?cs var:Stats.DaysMax ?> <?cs var:Lang.domainadmin.stats.err.range_long_2 ?><?cs /if ?></p>
<?cs else ?>
  <p class="range" id="range"><?cs var:Stats.From ?> – <?cs var:Stats.To ?> (<span id="range-days"><?cs var:Stats.Days ?></span> <?cs var:Lang.domainadmin.stats.days ?>)</p>

  <h2><?cs var:Lang.domainadmin.stats.totals ?></h2>
  <dl class="counts" id="totals">
    <dt><?cs var:Lang.domainadmin.stats.col.received ?></dt><dd id="total-received"><?cs var:Totals.Received ?></dd>
    <dt><?cs var:Lang.domainadmin.stats.col.sent ?></dt><dd id="total-sent"><?cs var:Totals.Sent ?></dd>
    <dt><?cs var:Lang.domainadmin.stats.col.bytes_in ?></dt><dd id="total-bytes-in" title="<?cs var:Totals.BytesInExact ?>"><?cs var:Totals.BytesIn ?></dd>
    <dt><?cs var:Lang.domainadmin.stats.col.bytes_out ?></dt><dd id="total-bytes-out" title="<?cs var:Totals.BytesOutExact ?>"><?cs var:Totals.BytesOut ?></dd>
    <dt><?cs var:Lang.domainadmin.stats.col.failed ?></dt><dd id="total-failed"><?cs var:Totals.Failed ?></dd>
    <dt><?cs var:Lang.domainadmin.stats.col.deferred ?></dt><dd id="total-deferred"><?cs var:Totals.Deferred ?></dd>
    <dt><?cs var:Lang.domainadmin.stats.col.quarantined ?></dt><dd id="total-quarantined"><?cs var:Totals.Quarantined ?></dd>
<?cs if:Totals.LastAt ?>
    <dt><?cs var:Lang.domainadmin.stats.col.last_error ?></dt><dd id="total-last-error"><?cs var:Totals.LastAt ?><?cs if:Totals.LastUser ?> · <?cs var:Totals.LastUser ?><?cs /if ?> · <?cs var:Lang.domainadmin.stats.outcome[Totals.LastOutcome] ?><?cs if:Totals.LastError ?>: <?cs var:Totals.LastError ?><?cs /if ?></dd>
<?cs /if ?>
  </dl>

  <h2 id="chart-heading"><?cs var:Lang.domainadmin.stats.daily ?><?cs if:Stats.User.Id ?>: <span id="chart-user"><?cs var:Stats.User.Address ?></span> · <a href="<?cs var:Page.Base ?>/stats?d=<?cs var:Domain.Enc ?><?cs var:Stats.Range ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>"><?cs var:Lang.domainadmin.stats.whole_domain ?></a><?cs /if ?></h2>
  <figure class="chart" id="chart">
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 <?cs var:Chart.Width ?> <?cs var:Chart.Height ?>" width="100%" role="img" aria-labelledby="chart-title">
      <title id="chart-title"><?cs var:Lang.domainadmin.stats.daily ?> <?cs var:Stats.From ?> – <?cs var:Stats.To ?><?cs if:Stats.User.Id ?> <?cs var:Stats.User.Address ?><?cs /if ?></title>
      <g class="axis-y" font-size="11" fill="#555" text-anchor="end">
<?cs each:t = Chart.Ticks ?>        <line x1="<?cs var:Chart.Left ?>" x2="<?cs var:Chart.Right ?>" y1="<?cs var:t.Y ?>" y2="<?cs var:t.Y ?>" stroke="#e3e3e3"/><text x="<?cs var:Chart.TickX ?>" y="<?cs var:t.Y ?>" dy="4"><?cs var:t.Label ?></text>
<?cs /each ?>      </g>
      <line x1="<?cs var:Chart.Left ?>" x2="<?cs var:Chart.Right ?>" y1="<?cs var:Chart.Bottom ?>" y2="<?cs var:Chart.Bottom ?>" stroke="#888"/>
      <g class="axis-x" font-size="11" fill="#555" text-anchor="middle">
<?cs each:l = Chart.Labels ?>        <text x="<?cs var:l.X ?>" y="<?cs var:Chart.LabelY ?>"><?cs var:l.Text ?></text>
<?cs /each ?>      </g>
      <g class="legend" font-size="12" fill="#333">
        <line x1="<?cs var:Chart.Left ?>" x2="<?cs var:Chart.Left + 20 ?>" y1="10" y2="10" stroke="#2f5fa7" stroke-width="2"/><text x="<?cs var:Chart.Left + 26 ?>" y="14"><?cs var:Lang.domainadmin.stats.col.received ?></text>
        <line x1="<?cs var:Chart.Left + 160 ?>" x2="<?cs var:Chart.Left + 180 ?>" y1="10" y2="10" stroke="#c0392b" stroke-width="2" stroke-dasharray="5 3"/><text x="<?cs var:Chart.Left + 186 ?>" y="14"><?cs var:Lang.domainadmin.stats.col.sent ?></text>
      </g>
      <polyline class="line-in" fill="none" stroke="#2f5fa7" stroke-width="2" points="<?cs var:Chart.InPoints ?>"/>
      <polyline class="line-out" fill="none" stroke="#c0392b" stroke-width="2" stroke-dasharray="5 3" points="<?cs var:Chart.OutPoints ?>"/>
      <g class="points-in" fill="#2f5fa7">
<?cs each:p = Days ?>        <circle cx="<?cs var:p.X ?>" cy="<?cs var:p.YIn ?>" r="<?cs var:Chart.R ?>" data-day="<?cs var:p.Day ?>" data-value="<?cs var:p.Received ?>"><title><?cs var:p.Day ?>: <?cs var:p.Received ?> <?cs var:Lang.domainadmin.stats.col.received ?></title></circle>
<?cs /each ?>      </g>
      <g class="points-out" fill="#c0392b">
<?cs each:p = Days ?>        <circle cx="<?cs var:p.X ?>" cy="<?cs var:p.YOut ?>" r="<?cs var:Chart.R ?>" data-day="<?cs var:p.Day ?>" data-value="<?cs var:p.Sent ?>"><title><?cs var:p.Day ?>: <?cs var:p.Sent ?> <?cs var:Lang.domainadmin.stats.col.sent ?></title></circle>
<?cs /each ?>      </g>
    </svg>
  </figure>
  <details class="advanced" id="days-details">
    <summary><?cs var:Lang.domainadmin.stats.by_day ?></summary>
    <div class="scroll">
    <table class="stats" id="days">
      <thead><tr><th><?cs var:Lang.domainadmin.stats.col.day ?></th><th class="num"><?cs var:Lang.domainadmin.stats.col.received ?></th><th class="num"><?cs var:Lang.domainadmin.stats.col.sent ?></th><th class="num"><?cs var:Lang.domainadmin.stats.col.bytes_in ?></th><th class="num"><?cs var:Lang.domainadmin.stats.col.bytes_out ?></th><th class="num"><?cs var:Lang.domainadmin.stats.col.failed ?></th><th class="num"><?cs var:Lang.domainadmin.stats.col.deferred ?></th><th class="num"><?cs var:Lang.domainadmin.stats.col.quarantined ?></th></tr></thead>
      <tbody>
<?cs each:p = Days ?>        <tr data-day="<?cs var:p.Day ?>"><td><?cs var:p.Day ?></td><td class="num"><?cs var:p.Received ?></td><td class="num"><?cs var:p.Sent ?></td><td class="num"><?cs var:p.BytesIn ?></td><td class="num"><?cs var:p.BytesOut ?></td><td class="num"><?cs var:p.Failed ?></td><td class="num"><?cs var:p.Deferred ?></td><td class="num"><?cs var:p.Quarantined ?></td></tr>
<?cs /each ?>      </tbody>
    </table>
    </div>
  </details>
  <p class="toolbar" id="downloads">
    <a href="<?cs var:Page.Base ?>/stats.csv?d=<?cs var:Domain.Enc ?><?cs var:Stats.Range ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>" id="csv-users" download><?cs var:Lang.domainadmin.stats.csv_users ?></a>
    <a href="<?cs var:Page.Base ?>/stats.csv?d=<?cs var:Domain.Enc ?><?cs var:Stats.Range ?><?cs var:Stats.UserArg ?>&amp;data=days" id="csv-days" download><?cs var:Lang.domainadmin.stats.csv_days ?></a>
  </p>

  <h2><?cs var:Lang.domainadmin.stats.per_user ?> <span class="count" id="total"><?cs var:List.Total ?></span></h2>
<?cs def:stats_sort(key) ?><a href="<?cs var:Page.Base ?>/stats?d=<?cs var:Domain.Enc ?><?cs var:Stats.Range ?><?cs var:Stats.UserArg ?>&amp;sort=<?cs var:key ?>&amp;order=<?cs if:List.Sort == key && List.Order == "asc" ?>desc<?cs elif:List.Sort == key ?>asc<?cs elif:key == "address" ?>asc<?cs else ?>desc<?cs /if ?>"<?cs if:List.Sort == key ?> class="sorted <?cs var:List.Order ?>"<?cs /if ?>><?cs var:Lang.domainadmin.stats.col[key] ?></a><?cs /def ?>
  <div class="scroll">
  <table class="stats" id="user-stats">
    <thead><tr>
      <th><?cs call:stats_sort("address") ?></th>
      <th class="num"><?cs call:stats_sort("received") ?></th>
      <th class="num"><?cs call:stats_sort("sent") ?></th>
      <th class="num"><?cs call:stats_sort("bytes_in") ?></th>
      <th class="num"><?cs call:stats_sort("bytes_out") ?></th>
      <th class="num"><?cs call:stats_sort("failed") ?></th>
      <th class="num"><?cs call:stats_sort("deferred") ?></th>
      <th class="num"><?cs call:stats_sort("quarantined") ?></th>
      <th><?cs call:stats_sort("last_error") ?></th>
    </tr></thead>
    <tbody>
<?cs each:u = Users ?>
      <tr data-id="<?cs var:u.Id ?>"<?cs if:u.Id == Stats.User.Id ?> class="selected"<?cs /if ?>>
        <td><a href="<?cs var:Page.Base ?>/stats?d=<?cs var:Domain.Enc ?><?cs var:Stats.Range ?>&amp;user=<?cs var:u.Id ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;page=<?cs var:List.Page ?>" title="<?cs var:u.Name ?>"><?cs var:u.Address ?></a><?cs if:u.Status != "active" ?> (<?cs var:Lang.domainadmin.status[u.Status] ?>)<?cs /if ?></td>
        <td class="num" data-col="received"><?cs var:u.Received ?></td>
        <td class="num" data-col="sent"><?cs var:u.Sent ?></td>
        <td class="num" data-col="bytes_in" title="<?cs var:u.BytesInExact ?>"><?cs var:u.BytesIn ?></td>
        <td class="num" data-col="bytes_out" title="<?cs var:u.BytesOutExact ?>"><?cs var:u.BytesOut ?></td>
        <td class="num" data-col="failed"><?cs var:u.Failed ?></td>
        <td class="num" data-col="deferred"><?cs var:u.Deferred ?></td>
        <td class="num" data-col="quarantined"><?cs var:u.Quarantined ?></td>
        <td class="error-text" data-col="last_error"><?cs if:u.LastAt ?><?cs var:u.LastAt ?> · <?cs var:Lang.domainadmin.stats.outcome[u.LastOutcome] ?><?cs if:u.LastError ?>: <?cs var:u.LastError ?><?cs /if ?><?cs /if ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
  </div>
<?cs if:List.Total == 0 ?>
  <p class="empty" id="empty"><?cs var:Lang.domainadmin.stats.no_users ?></p>
<?cs /if ?>
<?cs def:stats_page(p, label) ?><a href="<?cs var:Page.Base ?>/stats?d=<?cs var:Domain.Enc ?><?cs var:Stats.Range ?><?cs var:Stats.UserArg ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;page=<?cs var:p ?>"<?cs if:p == List.Page ?> aria-current="page"<?cs /if ?>><?cs var:label ?></a><?cs /def ?>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" id="pager" aria-label="<?cs var:Lang.mail.pages ?>">
    <?cs call:stats_page(1, Lang.mail.first) ?>
<?cs if:List.Prev ?>    <?cs call:stats_page(List.Prev, Lang.mail.prev) ?><?cs /if ?>
<?cs each:p = List.Near ?>    <?cs call:stats_page(p, p) ?><?cs /each ?>
<?cs if:List.Next ?>    <?cs call:stats_page(List.Next, Lang.mail.next) ?><?cs /if ?>
    <?cs call:stats_page(List.Pages, Lang.mail.last) ?>
  </nav>
<?cs /if ?>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
