<?cs # A generated password, shown this once. ?>
<?cs set:Page.Title = Lang.domainadmin.generated.title ?>
<?cs set:Page.Nav = "users" ?>
<?cs include:"header.cs" ?>
<section class="home" id="generated">
  <h1><?cs var:Lang.domainadmin.generated.title ?></h1>
  <p><?cs var:Lang.domainadmin.generated[Generated.What] ?></p>
  <div class="message">
  <dl class="headers">
    <dt><?cs var:Lang.domainadmin.user.address ?></dt><dd id="generated-address"><?cs var:Generated.Address ?></dd>
    <dt><?cs var:Lang.domainadmin.generated.label ?></dt><dd><code id="generated-password"><?cs var:Generated.Password ?></code></dd>
  </dl>
  </div>
  <p class="notice"><?cs var:Lang.domainadmin.generated.once ?></p>
  <p><a href="<?cs var:Page.Base ?>/users/edit?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:Generated.Id ?>" id="continue"><?cs var:Lang.domainadmin.generated.continue ?></a></p>
</section>
<?cs include:"footer.cs" ?>
