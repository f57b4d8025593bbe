<?cs # The domains of this administrator, to choose the one to work on. ?>
<?cs set:Page.Title = Lang.home.domains ?>
<?cs include:"header.cs" ?>
<section class="home" id="choose">
  <h1><?cs var:Lang.home.domains ?></h1>
<?cs if:subcount(Domains) > 0 ?>
  <p><?cs var:Lang.domainadmin.choose ?></p>
  <table class="list" id="domains">
    <thead><tr><th><?cs var:Lang.home.domain ?></th><th><?cs var:Lang.home.status ?></th><th class="num"><?cs var:Lang.home.active_users ?></th><th class="num"><?cs var:Lang.home.disabled_users ?></th></tr></thead>
    <tbody>
<?cs each:d = Domains ?>
      <tr><td><a href="<?cs var:Page.Base ?><?cs var:Choose.Path ?>?d=<?cs var:d.Enc ?>"><?cs var:d.Name ?></a></td><td><?cs var:Lang.domainadmin.status[d.Status] ?></td><td class="num"><?cs var:d.Active ?></td><td class="num"><?cs var:d.Disabled ?></td></tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs else ?>
  <p id="no-domains"><?cs var:Lang.home.no_domains ?></p>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
