<?cs set:Page.Title = Lang.home.title ?>
<?cs include:"header.cs" ?>
<section class="home">
  <h1><?cs var:Lang.home.domains ?></h1>
<?cs if:subcount(Domains) > 0 ?>
  <table class="list">
    <thead><tr><th><?cs var:Lang.home.domain ?></th><th><?cs var:Lang.home.status ?></th><th><?cs var:Lang.home.active_users ?></th><th><?cs var:Lang.home.disabled_users ?></th></tr></thead>
    <tbody>
<?cs each:d = Domains ?>
      <tr><td><?cs var:d.Name ?></td><td><?cs var:d.Status ?></td><td class="num"><?cs var:d.Active ?></td><td class="num"><?cs var:d.Disabled ?></td></tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs else ?>
  <p><?cs var:Lang.home.no_domains ?></p>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
