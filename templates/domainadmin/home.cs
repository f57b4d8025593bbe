<?cs # Overview of one domain: users, storage, mail of the last 7 days. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.overview.title ?>
<?cs include:"header.cs" ?>
<section class="home" id="overview">
<?cs call:domain_bar() ?>
  <h1><?cs var:Lang.domainadmin.overview.title ?></h1>
  <h2><?cs var:Lang.domainadmin.overview.users ?></h2>
  <dl class="counts" id="user-counts">
    <dt><?cs var:Lang.domainadmin.overview.active ?></dt><dd id="stat-active"><?cs var:Stats.Active ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.disabled ?></dt><dd id="stat-disabled"><?cs var:Stats.Disabled ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.deleted ?></dt><dd id="stat-deleted"><?cs var:Stats.Deleted ?></dd>
<?cs if:Limits.Users ?>
    <dt><?cs var:Lang.domainadmin.overview.max_users ?></dt><dd id="limit-users"><?cs var:Limits.Users ?></dd>
<?cs /if ?>
  </dl>
  <h2><?cs var:Lang.domainadmin.overview.storage ?></h2>
  <dl class="counts" id="storage">
    <dt><?cs var:Lang.domainadmin.overview.used ?></dt><dd id="stat-used"><?cs var:Stats.Used ?><?cs if:Stats.UsedPercent ?> (<?cs var:Stats.UsedPercent ?>%)<?cs /if ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.given ?></dt><dd id="stat-given"><?cs var:Stats.Given ?><?cs if:Stats.Unlimited > 0 ?> + <?cs var:Stats.Unlimited ?> <?cs var:Lang.domainadmin.overview.unlimited_users ?><?cs /if ?></dd>
<?cs if:Limits.Quota ?>
    <dt><?cs var:Lang.domainadmin.overview.max_quota ?></dt><dd id="limit-quota"><?cs var:Limits.Quota ?></dd>
<?cs /if ?>
<?cs if:Limits.UserQuota ?>
    <dt><?cs var:Lang.domainadmin.overview.max_user_quota ?></dt><dd id="limit-user-quota"><?cs var:Limits.UserQuota ?></dd>
<?cs /if ?>
  </dl>
  <h2><?cs var:Lang.domainadmin.overview.mail ?></h2>
  <dl class="counts" id="mail-counts">
    <dt><?cs var:Lang.domainadmin.overview.today_in ?></dt><dd id="today-in"><?cs var:Stats.TodayIn ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.today_out ?></dt><dd id="today-out"><?cs var:Stats.TodayOut ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.today_failed ?></dt><dd id="today-failed"><?cs var:Stats.TodayFailed ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.today_spam ?></dt><dd id="today-spam"><?cs var:Stats.TodaySpam ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.today_virus ?></dt><dd id="today-virus"><?cs var:Stats.TodayVirus ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.week_in ?></dt><dd id="week-in"><?cs var:Stats.WeekIn ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.week_out ?></dt><dd id="week-out"><?cs var:Stats.WeekOut ?></dd>
    <dt><?cs var:Lang.domainadmin.overview.week_failed ?></dt><dd id="week-failed"><?cs var:Stats.WeekFailed ?></dd>
  </dl>
  <table class="messages" id="days">
    <thead><tr><th class="date"><?cs var:Lang.domainadmin.overview.day ?></th><th><?cs var:Lang.domainadmin.overview.in ?></th><th><?cs var:Lang.domainadmin.overview.out ?></th><th><?cs var:Lang.domainadmin.overview.failed ?></th><th class="size"><?cs var:Lang.domainadmin.overview.deferred ?></th></tr></thead>
    <tbody>
<?cs each:day = Days ?>
      <tr data-day="<?cs var:day.Date ?>"><td class="date"><?cs var:day.Date ?></td><td class="num"><?cs var:day.In ?></td><td class="num"><?cs var:day.Out ?></td><td class="num"><?cs var:day.Failed ?></td><td class="size"><?cs var:day.Deferred ?></td></tr>
<?cs /each ?>
    </tbody>
  </table>
  <p class="toolbar">
    <a href="<?cs var:Page.Base ?>/users?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.nav.users ?></a>
    <a href="<?cs var:Page.Base ?>/users/new?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.domainadmin.users.add ?></a>
    <a href="<?cs var:Page.Base ?>/aliases?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.nav.aliases ?></a>
    <a href="<?cs var:Page.Base ?>/audit?d=<?cs var:Domain.Enc ?>"><?cs var:Lang.nav.audit ?></a>
  </p>
</section>
<?cs include:"footer.cs" ?>
