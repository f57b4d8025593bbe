<?cs # The messages waiting to be sent at their time: edit (back to
     Drafts), send now, cancel; failed ones with the server's reply. ?>
<?cs set:Page.Title = Lang.scheduled.title ?>
<?cs set:Page.Nav = "mail" ?>
<?cs include:"header.cs" ?>
<section class="scheduled">
  <p class="back"><a href="<?cs var:Page.Base ?>/mail"><?cs var:Lang.mail.back ?></a></p>
  <h1><?cs var:Lang.scheduled.title ?></h1>
<?cs if:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.scheduled.done[Page.Done] ?></p>
<?cs /if ?>
<?cs if:subcount(Scheduled) == 0 ?>
  <p id="none"><?cs var:Lang.scheduled.none ?></p>
<?cs else ?>
  <table class="list" id="scheduled-table">
    <thead><tr><th><?cs var:Lang.scheduled.at ?></th><th><?cs var:Lang.compose.to ?></th><th><?cs var:Lang.compose.subject ?></th><th><?cs var:Lang.scheduled.status ?></th><th></th></tr></thead>
    <tbody>
<?cs each:s = Scheduled ?>
    <tr data-id="<?cs var:s.Id ?>" class="<?cs var:s.Status ?>">
      <td class="at"><?cs var:s.At ?></td>
      <td class="to"><?cs var:s.To ?></td>
      <td class="subject"><?cs var:s.Subject ?></td>
      <td class="status"><?cs var:Lang.scheduled.state[s.Status] ?><?cs if:s.Error ?>: <span class="error"><?cs var:s.Error ?></span><?cs /if ?></td>
      <td class="actions">
<?cs if:s.Status != "sending" ?>
        <form method="post" action="<?cs var:Page.Base ?>/mail/scheduled" class="inline">
          <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
          <input type="hidden" name="id" value="<?cs var:s.Id ?>">
          <button type="submit" name="op" value="edit"><?cs var:Lang.scheduled.edit ?></button>
          <button type="submit" name="op" value="now"><?cs var:Lang.scheduled.now ?></button>
          <button type="submit" name="op" value="cancel" class="danger"><?cs var:Lang.scheduled.cancel ?></button>
        </form>
<?cs /if ?>
      </td>
    </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
