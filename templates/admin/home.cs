<?cs set:Page.Title = Lang.home.title ?>
<?cs include:"header.cs" ?>
<section class="home">
  <h1><?cs var:Lang.home.system ?></h1>
  <dl class="counts">
    <dt><?cs var:Lang.home.count_domains ?></dt><dd><?cs var:Counts.Domains ?></dd>
    <dt><?cs var:Lang.home.count_users ?></dt><dd><?cs var:Counts.Users ?></dd>
    <dt><?cs var:Lang.home.count_nodes ?></dt><dd><?cs var:Counts.Nodes ?></dd>
  </dl>
</section>
<?cs include:"footer.cs" ?>
