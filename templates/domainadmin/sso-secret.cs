<?cs # A domain's new SSO secret, shown this once. ?>
<?cs include:"macros.cs" ?>
<?cs set:Page.Title = Lang.domainadmin.settings.sso ?>
<?cs set:Page.Nav = "domain_settings" ?>
<?cs include:"header.cs" ?>
<section class="home" id="sso-secret-page">
<?cs call:domain_bar() ?>
  <h1><?cs var:Lang.domainadmin.settings.sso ?></h1>
  <p><?cs var:Lang.domainadmin.settings.sso_made[Sso.Op] ?></p>
  <div class="message">
  <dl class="headers">
    <dt><?cs var:Lang.domainadmin.settings.sso_label ?></dt><dd><code id="sso-secret"><?cs var:Sso.Secret ?></code></dd>
  </dl>
  </div>
  <p class="notice"><?cs var:Lang.domainadmin.settings.sso_once ?></p>
  <p><a href="<?cs var:Page.Base ?>/settings?d=<?cs var:Domain.Enc ?>" id="continue"><?cs var:Lang.domainadmin.generated.continue ?></a></p>
</section>
<?cs include:"footer.cs" ?>
